//go:build !cachecascade_nocount

package request

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// CountSupported reports whether this build's SDK has the CountTokens
// operation (bedrockruntime v1.37.0 and later). Built with the
// cachecascade_nocount tag it is false and Count always fails.
const CountSupported = true

// Count asks the target how many prompt tokens r carries, through the free
// CountTokens operation in r's own form (Converse's fields, or the
// InvokeModel body), by the model's base ID: the service refuses
// inference-profile IDs there. AWS says the count is what the same request
// would be charged as input, cache reads and writes included. Callers check
// matrix.Model.CountTokens first: other models answer a
// ValidationException.
func Count(ctx context.Context, client *bedrockruntime.Client, r *Request) (int, error) {
	in := &bedrockruntime.CountTokensInput{ModelId: aws.String(r.Model.BaseID)}
	if r.Body != nil {
		raw, err := r.Body.Marshal()
		if err != nil {
			return 0, err
		}
		in.Input = &types.CountTokensInputMemberInvokeModel{Value: types.InvokeModelTokensRequest{Body: raw}}
	} else {
		c := r.Converse
		in.Input = &types.CountTokensInputMemberConverse{Value: types.ConverseTokensRequest{
			Messages: c.Messages, System: c.System, ToolConfig: c.ToolConfig, AdditionalModelRequestFields: c.AdditionalModelRequestFields,
		}}
	}
	out, err := client.CountTokens(ctx, in)
	if err != nil {
		return 0, err
	}
	return int(aws.ToInt32(out.InputTokens)), nil
}
