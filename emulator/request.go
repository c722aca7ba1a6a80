package emulator

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/cachecascade/cachecascade/prefix"
)

// wireRequest is the Converse / ConverseStream request body as decoded:
// only the structure, every content block kept as the exact bytes that
// arrived (the cache keys on what the model would see) with what validation
// needs to know about it. Both decoders produce it: the one-pass reader
// (scanConverse) and, for what that leaves to it, encoding/json
// (decodeConverseJSON).
type wireRequest struct {
	messages   []wireMessage
	system     []wireBlock
	toolConfig *wireToolConfig
	// maxTokens is inferenceConfig.maxTokens, nil when absent or null.
	maxTokens *int64
	// extraFields is additionalModelRequestFields, nil when absent or null.
	extraFields []byte
	// metadata and inference are requestMetadata and inferenceConfig as
	// received, nil when absent.
	metadata, inference []byte
	// arena is the storage of every block list, when the one-pass reader
	// decoded the body (see release).
	arena *[]wireBlock
}

// wireMessage is one element of messages.
type wireMessage struct {
	role    string
	content []wireBlock
}

// wireToolConfig is toolConfig.
type wireToolConfig struct {
	tools []wireBlock
	// toolChoice is nil when absent or null.
	toolChoice []byte
}

// wireBlock is one element of a block list (the tools, the system blocks,
// a message's content) with what its decoder learnt of it in the same pass.
type wireBlock struct {
	// raw is the element exactly as received.
	raw []byte
	// union reports that the element is an object with exactly one
	// non-null member (anything else is malformed); member and value are
	// that member's name and exact bytes.
	union  bool
	member string
	value  []byte
	// text describes the value of a text member.
	text textFacts
	// cachePoint describes the value of a cachePoint member.
	cachePoint cachePointFacts
	// document is the format of a document member whose value is an
	// object ("" without one).
	document string
}

// textFacts is what validation needs of a text member's value.
type textFacts struct {
	// ok reports that the value is a string; n is its decoded length in
	// bytes and blank reports that it is all white space.
	ok    bool
	n     int
	blank bool
}

// cachePointFacts is a cachePoint member's value as decoded.
type cachePointFacts struct {
	// ok reports that the value decodes as a CachePointBlock structure.
	ok bool
	// typ and ttl are its type and ttl, hasType and hasTTL whether they
	// were present and not null.
	typ, ttl        string
	hasType, hasTTL bool
}

// block is one content block of the prompt prefix (cachePoint blocks are not
// blocks: they mark boundaries and carry no tokens).
type block struct {
	layer prefix.Layer
	// msg is the message index, -1 outside the messages layer.
	msg int
	// role is the message role; firstInMsg marks a message's first block so
	// that message boundaries are part of the prefix identity.
	role       string
	firstInMsg bool
	// raw is the block exactly as received.
	raw []byte
	// chars is what the tokenizer counts: the decoded text of a text block,
	// the raw JSON of any other block.
	chars int
	// document is the format of a document block ("pdf", "txt", ...; an
	// Anthropic document's media type, "pdf" for application/pdf), ""
	// for any other block.
	document string
	// image is set for an image block (Converse's image member, an
	// Anthropic block of type image).
	image bool
}

// checkpoint is one cachePoint block.
type checkpoint struct {
	layer prefix.Layer
	// boundary is the number of content blocks before the checkpoint in
	// prefix order: the entry it names is the prefix of that many blocks.
	boundary int
	// ttl is "5m" or "1h"; explicitTTL reports whether the request set it.
	ttl         string
	explicitTTL bool
	// listIndex is the cachePoint's position in its own list (for Nova's
	// tool-checkpoint message, which names it).
	listIndex int
	// msg is the message index of the block the checkpoint annotates (-1
	// outside the messages layer) and block that block's index in its
	// list, counted without checkpoints: see location and position.
	msg, block int
	// afterDocument is the format of the document block the checkpoint
	// closes ("pdf", "txt", ...; an Anthropic document's media type, with
	// "pdf" for application/pdf), or "" when that block is no document.
	afterDocument string
	// automatic marks automatic caching's breakpoint: the Anthropic body's
	// top-level cache_control, a checkpoint on the last block.
	automatic bool
}

// location names the block the checkpoint annotates the way the model's own
// errors do ("tools.0", "system.1", "messages.3.content.0").
func (cp checkpoint) location() string { return modelPath(cp.layer, cp.msg, cp.block) }

// position names the checkpoint itself the way the model's errors name an
// element of its own: the next index after the block it closes
// ("messages.0.content.3"), counted without earlier checkpoints.
func (cp checkpoint) position() string { return modelPath(cp.layer, cp.msg, cp.block+1) }

// request is a decoded, structurally valid Converse request.
type request struct {
	blocks      []block
	checkpoints []checkpoint
	toolChoice  []byte
	extraFields []byte
	// metadata and inference are requestMetadata (an Anthropic body's
	// metadata) and the inference parameters as received: not part of the
	// prompt (see partScopes), read only by the faults that make them so.
	metadata, inference []byte
	maxTokens           int
	// anthropicVersion is the anthropic_version of an Anthropic body, ""
	// for a Converse or Nova body (see checkForModel).
	anthropicVersion string
	// reasoningEarlier is set once a message with a reasoning block has
	// been added: a checkpoint in any later message is refused.
	reasoningEarlier bool
	// viaProfile is set when the call named an inference profile (see
	// the routing noise profile).
	viaProfile bool
}

// decodeRequest decodes and validates a request body without reference to a
// model. Every failure is an *apiError with a 4xx status; it never panics.
func decodeRequest(body []byte) (*request, *apiError) { return decodeRequestAs(body, false) }

// decodeConverse is decodeRequest under the emulator's profiles: the
// Converse body, and Nova's InvokeModel body, which has Converse's shape.
func (e *Emulator) decodeConverse(body []byte) (*request, *apiError) {
	return decodeRequestAs(body, e.fault(FaultNothingToCacheAccepted))
}

// decodeRequestAs is decodeRequest; dropEmpty (the nothing-to-cache-accepted
// fault) accepts and ignores a cachePoint with nothing before it in its
// block list instead of rejecting the request. (An Anthropic body cannot
// express such a checkpoint: its cache_control sits on the block it closes.)
//
// The body is read once, by scanConverse; what that reader leaves to
// encoding/json (see scanUnusual) is decoded by decodeConverseJSON. Both
// give the same wireRequest, which validate turns into a request.
func decodeRequestAs(body []byte, dropEmpty bool) (*request, *apiError) {
	w, st := scanConverse(body)
	if st == scanUnusual {
		w, st = decodeConverseJSON(body)
	}
	if st != scanOK {
		return nil, errValidation(msgMalformed)
	}
	defer w.release()
	return w.validate(dropEmpty)
}

// validate checks a decoded body as the service does, in its order, and
// builds the request.
func (w *wireRequest) validate(dropEmpty bool) (*request, *apiError) {
	blocks, cachePoints := w.count()
	r := &request{blocks: make([]block, 0, blocks-cachePoints), checkpoints: make([]checkpoint, 0, cachePoints)}
	if w.maxTokens != nil {
		n := *w.maxTokens
		if n < 1 {
			return nil, errValidationf("1 validation error detected: Value '%d' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1", n)
		}
		r.maxTokens = int(min(n, 1<<20))
	}
	r.metadata, r.inference = w.metadata, w.inference
	if w.toolConfig != nil {
		r.toolChoice = w.toolConfig.toolChoice
		if len(w.toolConfig.tools) == 0 {
			// The front end requires at least one tool when toolConfig is present.
			return nil, errValidation("1 validation error detected: Value '[]' at 'toolConfig.tools' failed to satisfy constraint: Member must have length greater than or equal to 1")
		}
	}
	r.extraFields = w.extraFields

	// Tools, then system, then messages: the order the model reads them.
	if w.toolConfig != nil {
		if err := r.addList(prefix.Tools, -1, "", w.toolConfig.tools, dropEmpty); err != nil {
			return nil, err
		}
	}
	if err := r.addList(prefix.System, -1, "", w.system, dropEmpty); err != nil {
		return nil, err
	}
	if err := checkRoles(w.messages); err != nil {
		return nil, err
	}
	for i, m := range w.messages {
		if len(m.content) == 0 {
			return nil, errValidationf(msgEmptyContent, i)
		}
		if err := r.addList(prefix.Messages, i, m.role, m.content, dropEmpty); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// count returns the number of elements of every block list and how many
// of them are cachePoints, to size the request's lists.
func (w *wireRequest) count() (blocks, cachePoints int) {
	add := func(list []wireBlock) {
		blocks += len(list)
		for i := range list {
			if list[i].member == "cachePoint" {
				cachePoints++
			}
		}
	}
	add(w.system)
	if w.toolConfig != nil {
		add(w.toolConfig.tools)
	}
	for _, m := range w.messages {
		add(m.content)
	}
	return blocks, cachePoints
}

// checkRoles checks the conversation's shape: at least one message, each
// from the user or the assistant, the user first, the two alternating.
func checkRoles(msgs []wireMessage) *apiError {
	if len(msgs) == 0 {
		return errValidation(msgFirstUser)
	}
	for i, m := range msgs {
		if m.role != "user" && m.role != "assistant" {
			return errEnum(m.role, "messages."+strconv.Itoa(i+1)+".member.role", "user, assistant")
		}
	}
	if msgs[0].role != "user" {
		return errValidation(msgFirstUser)
	}
	for i := 1; i < len(msgs); i++ {
		if msgs[i].role == msgs[i-1].role {
			return errValidation(msgAlternate)
		}
	}
	return nil
}

// addList appends one block list (the tools, the system blocks, or one
// message's content) to the request. dropEmpty ignores a cachePoint with
// nothing before it in the list instead of rejecting it (a fault).
//
// A cachePoint right after a reasoning block is refused, and so is one in a
// message after a message holding a reasoning block (an earlier assistant
// turn: the field report of shared/FACTS.md); a reasoning block earlier in
// the checkpoint's own message but not right before it is not, as nothing
// reports that.
func (r *request) addList(layer prefix.Layer, msg int, role string, list []wireBlock, dropEmpty bool) *apiError {
	var lastKind string // member name of the previous element in this list
	var lastDoc string  // format of the previous element, if a document
	contentIdx := -1    // index of the previous non-cachePoint element
	first, reasoning := true, false
	for i := range list {
		wb := &list[i]
		if !wb.union {
			return errValidation(msgMalformed)
		}
		member := wb.member
		if member == "cachePoint" {
			cp, err := wb.cachePoint.checkpoint(layer, msg, i)
			if err != nil {
				return err
			}
			switch {
			case lastKind == "" && dropEmpty:
				continue // nothing before it, so no checkpoint
			case lastKind == "":
				return errValidation(msgNothingToCache)
			case lastKind == "reasoningContent", layer == prefix.Messages && r.reasoningEarlier:
				return errValidation(msgAfterReasoning)
			}
			cp.layer = layer
			cp.boundary = len(r.blocks)
			cp.listIndex = i
			cp.msg, cp.block = msg, contentIdx
			if lastKind == "document" {
				cp.afterDocument = lastDoc
			}
			r.checkpoints = append(r.checkpoints, cp)
			lastKind = member
			continue
		}
		b, err := wb.block(layer, msg, i, role, first)
		if err != nil {
			return err
		}
		first = false
		r.blocks = append(r.blocks, b)
		contentIdx++
		lastKind, lastDoc = member, b.document
		reasoning = reasoning || member == "reasoningContent"
	}
	if layer == prefix.Messages && reasoning {
		r.reasoningEarlier = true
	}
	return nil
}

// block checks a content element (any member but cachePoint) and returns
// the block it is; i is its index in its list and first reports that it is
// the first block of its message.
func (wb *wireBlock) block(layer prefix.Layer, msg, i int, role string, first bool) (block, *apiError) {
	b := block{layer: layer, msg: msg, role: role, firstInMsg: first && layer == prefix.Messages, raw: wb.raw, chars: len(wb.raw)}
	if wb.member != "text" && !isObject(wb.value) {
		// Every member but text is a structure: {"toolSpec": "x"} is
		// refused by the service's deserializer.
		return b, errValidation(msgMalformed)
	}
	if wb.member == "text" {
		if !wb.text.ok {
			return b, errValidation(msgMalformed)
		}
		if layer == prefix.Messages && wb.text.blank {
			return b, errValidationf(msgBlankText, msg, i)
		}
		b.chars = wb.text.n
	}
	if wb.member == "document" {
		b.document = wb.document
	}
	b.image = wb.member == "image"
	return b, nil
}

// checkpoint checks a cachePoint's value, the element at index i of its
// list, and returns the checkpoint with its TTL set.
func (f cachePointFacts) checkpoint(layer prefix.Layer, msg, i int) (checkpoint, *apiError) {
	if !f.ok {
		return checkpoint{}, errValidation(msgMalformed)
	}
	if !f.hasType {
		return checkpoint{}, errNotNull(coralPath(layer, msg, i) + ".cachePoint.type")
	}
	if f.typ != "default" {
		return checkpoint{}, errEnum(f.typ, coralPath(layer, msg, i)+".cachePoint.type", "default")
	}
	cp := checkpoint{ttl: "5m"}
	if f.hasTTL {
		if f.ttl != "5m" && f.ttl != "1h" {
			return checkpoint{}, errEnum(f.ttl, coralPath(layer, msg, i)+".cachePoint.ttl", "5m, 1h")
		}
		cp.ttl = f.ttl
		cp.explicitTTL = true
	}
	return cp, nil
}

// coralPath is the front end's 1-based path to list element i.
func coralPath(layer prefix.Layer, msg, i int) string {
	switch layer {
	case prefix.Tools:
		return "toolConfig.tools." + strconv.Itoa(i+1) + ".member"
	case prefix.System:
		return "system." + strconv.Itoa(i+1) + ".member"
	default:
		return "messages." + strconv.Itoa(msg+1) + ".member.content." + strconv.Itoa(i+1) + ".member"
	}
}

// modelPath is the model's 0-based path to the block a checkpoint annotates.
func modelPath(layer prefix.Layer, msg, i int) string {
	switch layer {
	case prefix.Tools:
		return "tools." + strconv.Itoa(i)
	case prefix.System:
		return "system." + strconv.Itoa(i)
	default:
		return "messages." + strconv.Itoa(msg) + ".content." + strconv.Itoa(i)
	}
}

func isJSONNull(raw json.RawMessage) bool {
	return len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// isObject reports whether a JSON value is an object.
func isObject(v json.RawMessage) bool {
	t := bytes.TrimLeft(v, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}
