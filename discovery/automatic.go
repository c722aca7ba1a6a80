package discovery

import (
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/usage"
)

// The API an InvokeModel Call names.
const APIInvokeModel = "InvokeModel"

// anthropicBody is a small Anthropic Messages body for InvokeModel with a
// top-level cache_control: automatic caching's one moving breakpoint.
type anthropicBody struct {
	Version      string             `json:"anthropic_version"`
	MaxTokens    int                `json:"max_tokens"`
	CacheControl map[string]string  `json:"cache_control"`
	System       string             `json:"system"`
	Messages     []anthropicMessage `json:"messages"`
}

// anthropicMessage is one message of anthropicBody.
type anthropicMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// automatic checks, on a Claude model, whether InvokeModel takes a
// top-level cache_control (automatic caching): the legacy integration,
// Claude Opus 4.6 and earlier, answers it with a 400. Other families have
// no Anthropic body, and the step sends nothing for them.
func (s *state) automatic() error {
	if familyOf(s.entry.BaseID) != matrix.Claude {
		s.note("automaticCaching", "false", "not measured: automatic caching is a field of the Anthropic InvokeModel body, which only Claude takes")
		return nil
	}
	body, err := json.Marshal(anthropicBody{Version: "bedrock-2023-05-31", MaxTokens: maxOutputTokens,
		CacheControl: map[string]string{"type": "ephemeral"}, System: s.fresh() + "You answer in one word.",
		Messages: []anthropicMessage{{Role: "user", Content: instruction}}})
	if err != nil {
		return err
	}
	c, err := s.invoke("automatic: InvokeModel with a top-level cache_control", body)
	switch {
	case err == nil:
		s.entry.AutomaticCaching = true
		s.note("automaticCaching", "true", "an Anthropic body with a top-level cache_control was accepted", c.N)
	case rejected(err):
		s.note("automaticCaching", "false", "an Anthropic body with a top-level cache_control was rejected (the legacy integration): "+c.Error, c.N)
	default:
		return err
	}
	return nil
}

// anthropicUsage is the usage of an Anthropic Messages answer.
type anthropicUsage struct {
	Usage struct {
		Input      int `json:"input_tokens"`
		Output     int `json:"output_tokens"`
		CacheWrite int `json:"cache_creation_input_tokens"`
		CacheRead  int `json:"cache_read_input_tokens"`
	} `json:"usage"`
}

// invoke calls InvokeModel with an Anthropic body and records the call
// with the answer's usage.
func (p *prober) invoke(purpose string, body []byte) (Call, error) {
	c, ctx, cancel, err := p.start(APIInvokeModel, purpose)
	if err != nil {
		return Call{}, err
	}
	defer cancel()
	out, err := p.client.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(p.model), Body: body,
		ContentType: aws.String("application/json"), Accept: aws.String("application/json")})
	var cerr error
	if err != nil {
		ce := callError(err)
		c.Error, cerr = ce.Error(), ce
	} else {
		var a anthropicUsage
		_ = json.Unmarshal(out.Body, &a) // an answer without usage counts as none
		u := a.Usage
		c.Usage = &usage.Usage{Input: u.Input, Output: u.Output, Read: u.CacheRead, Write: u.CacheWrite,
			Total: u.Input + u.Output + u.CacheRead + u.CacheWrite}
	}
	p.calls = append(p.calls, c)
	return c, cerr
}
