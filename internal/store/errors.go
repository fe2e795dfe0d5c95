package store

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// IAM error codes
// (https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html and
// the Errors section of each action's page in the IAM API Reference).
const (
	// CodeNoSuchEntity: the user, group, access key or policy does not
	// exist (HTTP 404).
	CodeNoSuchEntity = "NoSuchEntity"
	// CodeEntityAlreadyExists: a user or group of that name, or an access
	// key with that id, already exists (HTTP 409).
	CodeEntityAlreadyExists = "EntityAlreadyExists"
	// CodeDeleteConflict: the entity still has subordinate entities (keys,
	// policies, group memberships) (HTTP 409).
	CodeDeleteConflict = "DeleteConflict"
	// CodeMalformedPolicyDocument: the policy document is not valid JSON or
	// not valid policy grammar (HTTP 400).
	CodeMalformedPolicyDocument = "MalformedPolicyDocument"
	// CodeLimitExceeded: a quota would be exceeded: two access keys per
	// user, or the aggregate inline policy size (HTTP 409).
	CodeLimitExceeded = "LimitExceeded"
	// CodeValidationError: a parameter breaks its length or pattern
	// constraint (HTTP 400).
	CodeValidationError = "ValidationError"
)

// Error is an IAM API error: the code and message IAM returns for the same
// request, and the operation that failed, so that a CLI prints it exactly
// as the aws CLI does. Every error the store returns for a bad request is
// an *Error (match it with errors.As, never by its text); database and
// encryption failures are ordinary wrapped errors.
type Error struct {
	// Op is the IAM operation name, such as "GetUser".
	Op string
	// Code is one of the Code* constants.
	Code string
	// Message is IAM's message, such as
	// "The user with name bob cannot be found.".
	Message string
	// Err is the underlying cause (the *iam.PolicyError list of a
	// malformed document), or nil.
	Err error
}

// Error returns the aws CLI's rendering, for example
// "An error occurred (NoSuchEntity) when calling the GetUser operation: The user with name bob cannot be found.".
func (e *Error) Error() string {
	return fmt.Sprintf("An error occurred (%s) when calling the %s operation: %s", e.Code, e.Op, e.Message)
}

// Unwrap returns the cause, or nil.
func (e *Error) Unwrap() error { return e.Err }

// HTTPStatus returns the status IAM answers with for the error's code.
func (e *Error) HTTPStatus() int {
	switch e.Code {
	case CodeNoSuchEntity:
		return http.StatusNotFound
	case CodeEntityAlreadyExists, CodeDeleteConflict, CodeLimitExceeded:
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

// ErrorCode returns the IAM error code of err if it is (or wraps) an
// *Error, else "".
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func apiErr(op, code, format string, args ...any) *Error {
	return &Error{Op: op, Code: code, Message: fmt.Sprintf(format, args...)}
}

// IAM's messages, word for word as IAM returns them.
func noSuchUser(op, name string) *Error {
	return apiErr(op, CodeNoSuchEntity, "The user with name %s cannot be found.", name)
}

func noSuchGroup(op, name string) *Error {
	return apiErr(op, CodeNoSuchEntity, "The group with name %s cannot be found.", name)
}

func noSuchKey(op, id string) *Error {
	return apiErr(op, CodeNoSuchEntity, "The Access Key with id %s cannot be found.", id)
}

func noSuchUserPolicy(op, name string) *Error {
	return apiErr(op, CodeNoSuchEntity, "The user policy with name %s cannot be found.", name)
}

func noSuchGroupPolicy(op, name string) *Error {
	return apiErr(op, CodeNoSuchEntity, "The group policy with name %s cannot be found.", name)
}

// Constraints of the IAM API parameters (IAM API Reference, CreateUser,
// CreateGroup, PutUserPolicy, CreateAccessKey ...).
const (
	// maxUserName is CreateUser's UserName length limit.
	maxUserName = 64
	// maxGroupName is CreateGroup's GroupName length limit.
	maxGroupName = 128
	// maxPolicyName is PutUserPolicy's PolicyName length limit.
	maxPolicyName = 128
	// maxPath is CreateUser's Path length limit.
	maxPath = 512
	// maxPolicyDocument is PutUserPolicy's PolicyDocument length limit;
	// the aggregate quotas below are smaller, but this check runs first
	// and keeps huge input away from the JSON parser.
	maxPolicyDocument = 131072
	// userPolicySizeQuota is the aggregate size of a user's inline
	// policies, not counting white space
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
	userPolicySizeQuota = 2048
	// groupPolicySizeQuota is the same for a group.
	groupPolicySizeQuota = 5120
	// accessKeysPerUser is the AccessKeysPerUser quota.
	accessKeysPerUser = 2

	patternName = `[\w+=,.@-]+`
	patternPath = `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`
	patternKey  = `[\w]+`
)

// quoteValue renders a value for a ValidationError message; invalid UTF-8
// is replaced so that the message itself stays valid text.
func quoteValue(v string) string {
	return strings.ToValidUTF8(v, "\uFFFD")
}

func validationErr(op, value, field, constraint string) *Error {
	return apiErr(op, CodeValidationError,
		"1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s",
		quoteValue(value), field, constraint)
}

// isNameChar reports whether c matches [\w+=,.@-]; \w is ASCII, as in
// IAM's (Java) patterns.
func isNameChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("_+=,.@-", c) >= 0
}

// checkName validates a user, group or policy name against IAM's
// [\w+=,.@-]+ pattern and a length limit. field is the parameter's name in
// IAM's messages ("userName").
func checkName(op, field, v string, max int) error {
	if v == "" {
		return validationErr(op, v, field, "Member must have length greater than or equal to 1")
	}
	if utf8.RuneCountInString(v) > max {
		return validationErr(op, v, field, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
	for i := 0; i < len(v); i++ {
		if !isNameChar(v[i]) {
			return validationErr(op, v, field, "Member must satisfy regular expression pattern: "+patternName)
		}
	}
	return nil
}

// checkPath validates a user or group path: "/" or "/.../" of printable
// ASCII.
func checkPath(op, v string) error {
	if len(v) > maxPath {
		return validationErr(op, v, "path", fmt.Sprintf("Member must have length less than or equal to %d", maxPath))
	}
	ok := len(v) >= 1 && v[0] == '/' && v[len(v)-1] == '/'
	for i := 0; ok && i < len(v); i++ {
		ok = v[i] >= 0x21 && v[i] <= 0x7E
	}
	if !ok {
		return validationErr(op, v, "path", "Member must satisfy regular expression pattern: "+patternPath)
	}
	return nil
}

// checkAccessKeyID validates an access key id: [\w]+, 16 to 128 long.
func checkAccessKeyID(op, v string) error {
	if len(v) < 16 {
		return validationErr(op, v, "accessKeyId", "Member must have length greater than or equal to 16")
	}
	if len(v) > 128 {
		return validationErr(op, v, "accessKeyId", "Member must have length less than or equal to 128")
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return validationErr(op, v, "accessKeyId", "Member must satisfy regular expression pattern: "+patternKey)
		}
	}
	return nil
}

// checkStatus validates an access key status.
func checkStatus(op, v string) error {
	if v != StatusActive && v != StatusInactive {
		return validationErr(op, v, "status", "Member must satisfy enum value set: [Active, Inactive]")
	}
	return nil
}

// checkSecret validates an imported secret access key without ever
// echoing it: 1 to 128 printable ASCII characters.
func checkSecret(op string, v string) error {
	ok := len(v) >= 1 && len(v) <= 128
	for i := 0; ok && i < len(v); i++ {
		ok = v[i] > 0x20 && v[i] < 0x7F
	}
	if !ok {
		return apiErr(op, CodeValidationError,
			"1 validation error detected: Value at 'secretAccessKey' failed to satisfy constraint: Member must be 1 to 128 printable ASCII characters without spaces")
	}
	return nil
}

// checkPolicyDocument applies PutUserPolicy's PolicyDocument constraints:
// length 1 to 131072 and the character set [\u0009\u000A\u000D\u0020-\u00FF]
// (the document is never echoed: it may be huge).
func checkPolicyDocument(op string, doc []byte) error {
	const field = "policyDocument"
	switch {
	case len(doc) == 0:
		return apiErr(op, CodeValidationError, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length greater than or equal to 1", field)
	case len(doc) > maxPolicyDocument:
		return apiErr(op, CodeValidationError, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, maxPolicyDocument)
	case !utf8.Valid(doc):
		return apiErr(op, CodeMalformedPolicyDocument, "Syntax errors in policy.")
	}
	for _, r := range string(doc) {
		if r > 0xFF || (r < 0x20 && r != '\t' && r != '\n' && r != '\r') {
			return apiErr(op, CodeValidationError, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+", field)
		}
	}
	return nil
}

// policySize counts a document's characters as IAM's size quotas do: white
// space is not counted.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		switch r {
		case ' ', '\t', '\n', '\r':
		default:
			n++
		}
	}
	return n
}
