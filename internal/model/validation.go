package model

// Model is an API Gateway model: a JSON Schema (draft 4) request bodies
// are validated against. Definitions declare them under definitions
// (Swagger 2) or components.schemas (OpenAPI 3); a body schema written
// inline becomes a model of its own.
type Model struct {
	Name string
	// Schema is the schema as JSON; its $ref name other models
	// (#/definitions/NAME, #/components/schemas/NAME or API Gateway's
	// https://apigateway.amazonaws.com/restapis/{id}/models/NAME).
	Schema []byte
	Where  string
}

// DefaultContentType is the requestModels key of a model that applies
// whatever the request's Content-Type.
const DefaultContentType = "$default"

// RequestValidation is what a method's request validator checks
// (x-amazon-apigateway-request-validator, or the API's default one).
type RequestValidation struct {
	// Validator is the validator's name, for messages.
	Validator string
	// ValidateParameters checks that the required request parameters are
	// present and not blank (validateRequestParameters).
	ValidateParameters bool
	// ValidateBody checks the body against the model of its content type
	// (validateRequestBody).
	ValidateBody bool
	// Parameters are the method's request parameters, required or not, in
	// the order the definition declares them.
	Parameters []RequestParameter
	// Models are the method's request models (model names) by content
	// type, lower case, or DefaultContentType.
	Models map[string]string
}

// ParameterLocation is where a request parameter is read.
type ParameterLocation string

// Request parameter locations, as in method.request.{location}.{name}.
const (
	InPath   ParameterLocation = "path"
	InQuery  ParameterLocation = "querystring"
	InHeader ParameterLocation = "header"
)

// RequestParameter is a method request parameter.
type RequestParameter struct {
	In       ParameterLocation
	Name     string
	Required bool
}
