package matrix_test

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// request builds a Converse request with the given number of tools, system
// blocks and messages (alternating user and assistant, starting with user).
func request(tools, system, messages int) *bedrockruntime.ConverseInput {
	in := &bedrockruntime.ConverseInput{ModelId: aws.String("model")}
	if tools > 0 {
		in.ToolConfig = &types.ToolConfiguration{}
		for i := 0; i < tools; i++ {
			in.ToolConfig.Tools = append(in.ToolConfig.Tools, &types.ToolMemberToolSpec{Value: types.ToolSpecification{Name: aws.String("tool")}})
		}
	}
	for i := 0; i < system; i++ {
		in.System = append(in.System, &types.SystemContentBlockMemberText{Value: "system"})
	}
	for i := 0; i < messages; i++ {
		role := types.ConversationRoleUser
		if i%2 == 1 {
			role = types.ConversationRoleAssistant
		}
		in.Messages = append(in.Messages, types.Message{Role: role, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "text"}}})
	}
	return in
}

// cachePoint returns a checkpoint block with no TTL.
func cachePoint() types.CachePointBlock {
	return types.CachePointBlock{Type: types.CachePointTypeDefault}
}
