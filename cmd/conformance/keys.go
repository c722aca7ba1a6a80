package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// region is the emulator's region (-region) and the clients' signing region.
const region = "us-east-1"

// wrongRegion is the signing region of the wrong-region group.
const wrongRegion = "eu-west-1"

// credentials are the run's secrets: the key the emulator is told about
// (-credentials FILE) and the Bedrock API keys made from it.
type credentials struct {
	// AccessKeyID and Secret are the SigV4 key pair in the credentials file.
	AccessKeyID, Secret string
	// ShortTermKey is a short-term Bedrock API key presigned with that pair.
	ShortTermKey string
	// LongTermKey is a long-term Bedrock API key (ABSK…).
	LongTermKey string
	// ForgedKey is a short-term key for the same key ID presigned with a
	// wrong secret.
	ForgedKey string
}

// newCredentials makes a fresh key pair and the API keys, dated now.
func newCredentials(now time.Time) (credentials, error) {
	c := credentials{AccessKeyID: "AKIACONFORMANCE" + strings.ToUpper(randomHex(3)), Secret: randomHex(20)}
	var err error
	if c.ShortTermKey, err = shortTermKey(c.AccessKeyID, c.Secret, region, now); err != nil {
		return credentials{}, err
	}
	if c.ForgedKey, err = shortTermKey(c.AccessKeyID, randomHex(20), region, now); err != nil {
		return credentials{}, err
	}
	c.LongTermKey = longTermKey("BedrockAPIKey-"+randomHex(2), "123456789012", randomHex(20))
	return c, nil
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

// shortTermKey makes a short-term Bedrock API key as the AWS token
// generators do: a SigV4 query-presigned POST of
// https://bedrock.amazonaws.com/?Action=CallWithBearerToken (service
// bedrock, the empty body's hash as payload, valid 12 hours), without its
// scheme, with "&Version=1" appended, base64-encoded after the prefix
// "bedrock-api-key-".
func shortTermKey(akid, secret, region string, now time.Time) (string, error) {
	req, err := http.NewRequest(http.MethodPost, "https://bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Expires=43200", nil)
	if err != nil {
		return "", err
	}
	creds := aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}
	empty := sha256.Sum256(nil)
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, hex.EncodeToString(empty[:]), "bedrock", region, now)
	if err != nil {
		return "", err
	}
	url := strings.TrimPrefix(signed, "https://") + "&Version=1"
	return "bedrock-api-key-" + base64.StdEncoding.EncodeToString([]byte(url)), nil
}

// longTermKey makes a long-term Bedrock API key: "ABSK" and the base64 of
// the service-specific credential "USER-at-ACCOUNT:SECRET" (FACTS.md
// marks the format as one secondary source only).
func longTermKey(user, account, secret string) string {
	return "ABSK" + base64.StdEncoding.EncodeToString([]byte(user+"-at-"+account+":"+secret))
}

// writeCredentialsFile writes the key pair as an AWS shared-credentials
// file for the emulator's -credentials flag.
func writeCredentialsFile(path string, c credentials) error {
	ini := fmt.Sprintf("[conformance]\naws_access_key_id = %s\naws_secret_access_key = %s\n", c.AccessKeyID, c.Secret)
	return os.WriteFile(path, []byte(ini), 0o600)
}
