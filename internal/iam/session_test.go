package iam

import "testing"

func TestEvaluateSession(t *testing.T) {
	allowAll := mustParse(t, IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`)
	onlyPets := mustParse(t, IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/prod/GET/pets"}]}`)
	denyPets := mustParse(t, IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"arn:aws:execute-api:*:*:*/prod/GET/pets"}]}`)
	const pets = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/pets"
	const users = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/users"
	cases := []struct {
		name     string
		session  *Policy
		policies []*Policy
		resource string
		want     Decision
	}{
		{"no session policy", nil, []*Policy{allowAll}, users, Allow},
		{"both allow", onlyPets, []*Policy{allowAll}, pets, Allow},
		{"session narrows", onlyPets, []*Policy{allowAll}, users, ImplicitDeny},
		{"session cannot widen", onlyPets, nil, pets, ImplicitDeny},
		{"session deny wins", denyPets, []*Policy{allowAll}, pets, ExplicitDeny},
		{"session deny without identity allow", denyPets, nil, pets, ExplicitDeny},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &Request{Action: "execute-api:Invoke", Resource: c.resource}
			if got := EvaluateSession(r, c.session, c.policies...); got.Decision != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}
