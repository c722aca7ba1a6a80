package arnredact_test

import (
	"testing"

	"github.com/cachecascade/cachecascade/internal/arnredact"
)

func TestAccounts(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"arn:aws:bedrock:us-east-1:123456789012:inference-profile/x", "arn:aws:bedrock:us-east-1:000000000000:inference-profile/x"},
		{"ARN:AWS:bedrock:us-east-1:123456789012:x", "ARN:AWS:bedrock:us-east-1:000000000000:x"},
		{"arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ax", "arn%3Aaws%3Abedrock%3Aus-east-1%3A000000000000%3Ax"},
		{"arn:aws-us-gov:iam::123456789012:role/r", "arn:aws-us-gov:iam::000000000000:role/r"},
		{"no resource here 123456789012", "no resource here 123456789012"},
		{"arn:aws:bedrock:us-east-1:1234567890123:x", "arn:aws:bedrock:us-east-1:1234567890123:x"},
	} {
		if got := string(arnredact.Accounts([]byte(tc.in))); got != tc.want {
			t.Errorf("Expected\n%s\nto become\n%s\ngot\n%s", tc.in, tc.want, got)
		}
		// Redacting a redacted body changes nothing: replay relies on it
		// to match a request by the hash the SDK signed it with.
		if got := string(arnredact.Accounts([]byte(tc.want))); got != tc.want {
			t.Errorf("Expected\n%s\nto stay as it is when redacted again\ngot\n%s", tc.want, got)
		}
	}
}
