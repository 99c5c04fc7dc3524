package function

import (
	"fmt"
	"strings"
)

// DefaultAccount is the account id in the ARNs lambdad makes: the account
// AWS's documentation uses in its examples. (The runtime interface emulator
// uses 012345678912, LocalStack 000000000000; any 12 digits would do.)
const DefaultAccount = "123456789012"

// Limits of Invoke's {FunctionName}.
const (
	MaxFunctionNameRef = 170 // the whole string, in any form
	MaxQualifierLength = 128
)

// Ref is what an Invoke {FunctionName} names. Region and Account are empty
// unless the caller wrote an ARN or account:function:name; Qualifier is
// empty unless it wrote one.
//
// ParseName only parses the qualifier: "$LATEST", a version number or an
// alias name. What it means is the caller's business. Locally only "" and
// "$LATEST" exist, so the Invoke handler answers ResourceNotFoundException
// for any other, and InvalidParameterValueException when a ?Qualifier=
// differs from the one in the name (as Lambda does).
type Ref struct {
	Name      string
	Qualifier string
	Region    string
	Account   string
}

// ParseName parses Invoke's {FunctionName} once the caller has
// percent-decoded it (net/http's Request.PathValue does): ParseName decodes
// nothing, so an undecoded %3A is an invalid character. Accepted forms:
//
//	name                                                       my-function
//	name:qualifier                                             my-function:$LATEST
//	arn:<partition>:lambda:<region>:<account>:function:name[:qualifier]
//	<account>:function:name[:qualifier]                        123456789012:function:my-function
//
// with name [a-zA-Z0-9_-]{1,64}, qualifier [a-zA-Z0-9$_-]{1,128}, account
// 12 digits, partition aws or aws-*, and at most 170 characters in all.
// Errors match ErrInvalidName.
func ParseName(s string) (Ref, error) {
	bad := func(why string) (Ref, error) {
		return Ref{}, fmt.Errorf("%w %q: %s", ErrInvalidName, s, why)
	}
	if s == "" {
		return bad("empty")
	}
	if len(s) > MaxFunctionNameRef {
		return bad(fmt.Sprintf("longer than %d characters", MaxFunctionNameRef))
	}
	parts := strings.Split(s, ":")
	var r Ref
	var rest []string // name[, qualifier]
	switch len(parts) {
	case 1, 2:
		rest = parts
	case 3, 4:
		if parts[1] != "function" {
			return bad("want <account>:function:<name>[:<qualifier>]")
		}
		if !validAccount(parts[0]) {
			return bad(fmt.Sprintf("account %q is not 12 digits", parts[0]))
		}
		r.Account, rest = parts[0], parts[2:]
	case 7, 8:
		switch {
		case parts[0] != "arn":
			return bad("want arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]")
		case !validPartition(parts[1]):
			return bad(fmt.Sprintf("partition %q is not aws or aws-*", parts[1]))
		case parts[2] != "lambda":
			return bad(fmt.Sprintf("service %q is not lambda", parts[2]))
		case !validRegion(parts[3]):
			return bad(fmt.Sprintf("region %q is not a region name", parts[3]))
		case !validAccount(parts[4]):
			return bad(fmt.Sprintf("account %q is not 12 digits", parts[4]))
		case parts[5] != "function":
			return bad(fmt.Sprintf("resource type %q is not function", parts[5]))
		}
		r.Region, r.Account, rest = parts[3], parts[4], parts[6:]
	default:
		return bad("want name, name:qualifier, <account>:function:name or a function ARN")
	}
	r.Name = rest[0]
	if !validName(r.Name) {
		return bad(fmt.Sprintf("function name %q: want 1–%d letters, digits, hyphens or underscores", r.Name, MaxNameLength))
	}
	if len(rest) == 2 {
		r.Qualifier = rest[1]
		if !validQualifier(r.Qualifier) {
			return bad(fmt.Sprintf("qualifier %q: want $LATEST, a version or an alias (1–%d of [a-zA-Z0-9$_-])", r.Qualifier, MaxQualifierLength))
		}
	}
	return r, nil
}

// ARN is arn:aws:lambda:<region>:<account>:function:<name>, plus
// :<qualifier> if qualifier is not empty. An empty region is DefaultRegion
// and an empty account DefaultAccount.
func ARN(region, account, name, qualifier string) string {
	if region == "" {
		region = DefaultRegion
	}
	if account == "" {
		account = DefaultAccount
	}
	arn := "arn:aws:lambda:" + region + ":" + account + ":function:" + name
	if qualifier != "" {
		arn += ":" + qualifier
	}
	return arn
}

// validPartition matches aws[a-zA-Z-]* (aws, aws-cn, aws-us-gov, …).
func validPartition(s string) bool {
	rest, ok := strings.CutPrefix(s, "aws")
	if !ok {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if !isLetter(rest[i]) && rest[i] != '-' {
			return false
		}
	}
	return true
}

// validRegion matches [a-z]{2}(-[a-z]+)+-[0-9]{1,2}: us-east-1,
// us-gov-west-1, ap-southeast-5, us-isob-east-1.
func validRegion(s string) bool {
	words := strings.Split(s, "-")
	if len(words) < 3 || len(words[0]) != 2 {
		return false
	}
	last := words[len(words)-1]
	if len(last) < 1 || len(last) > 2 {
		return false
	}
	for i := 0; i < len(last); i++ {
		if !isDigit(last[i]) {
			return false
		}
	}
	for _, w := range words[:len(words)-1] {
		if w == "" {
			return false
		}
		for i := 0; i < len(w); i++ {
			if w[i] < 'a' || w[i] > 'z' {
				return false
			}
		}
	}
	return true
}

func validAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// validQualifier matches [a-zA-Z0-9$_-]{1,128}.
func validQualifier(s string) bool {
	if len(s) == 0 || len(s) > MaxQualifierLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && s[i] != '$' && s[i] != '_' && s[i] != '-' {
			return false
		}
	}
	return true
}
