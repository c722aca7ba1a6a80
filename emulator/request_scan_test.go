package emulator

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// scanSeeds are bodies at the edges of what the one-pass reader decides
// alone: key spellings, duplicates, escapes, null and wrongly typed values,
// trailing data, nesting, and every validation error of a block.
var scanSeeds = []string{
	`{"Messages":[{"content":[{"text":"q"}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"}],"messages":[{"content":[{"text":"r"}],"role":"user"}]}`,
	`{"m\u0065ssages":[{"content":[{"text":"q"}],"role":"user"}]}`,
	"{\"messages\":[{\"content\":[{\"text\":\"q\"}],\"role\":\"user\"}],\"max\u212aokens\":1}",
	`{"messages":[{"content":[{"text":"a\nb\t\"c\"\\ \/ \b\f\r"}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"\u0020\t\n\r\f"}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"\ud83d\ude00 \ud800 \ud800\u0041 \udc00 \uD83D\uDE00 \u00e9"}],"role":"user"}]}`,
	"{\"messages\":[{\"content\":[{\"text\":\"\xff\xfe bad \xed\xa0\x80 utf8\"}],\"role\":\"user\"}]}",
	"{\"messages\":[{\"content\":[{\"text\":\"\u00a0\u3000\u2003\u0085\"}],\"role\":\"user\"}]}",
	`{"messages":[{"content":[{"text":"\u00a0\u3000\u0085\u000b"}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"\u0000"}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"q"},{"cachePoint":{"type":null}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"q"},{"cachePoint":{}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"q"},{"cachePoint":{"type":"x"}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"q"},{"cachePoint":{"type":"default","ttl":"2h"}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"q"},{"cachePoint":{"type":"default","ttl":null}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"q"},{"cachePoint":{"Type":"default"}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"q"},{"cachePoint":"x"}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"q"},{"cachePoint":{"type":5}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"q"},{"cachePoint":{"type":"d\u0065fault"}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"q"},{"cachePoint":{"type":"default","type":"default"}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"q"},{"cachePoint":{"type":"default","extra":[1,{"a":null}]}}],"role":"user"}]}`,
	`{"system":[{"cachePoint":{"type":"default"}}],"messages":[{"content":[{"text":"q"}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"q"},{"document":{"format":"pdf","name":"n","source":{"bytes":"AA=="}}},{"cachePoint":{"type":"default"}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"document":{"format":5}},{"cachePoint":{"type":"default"}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"document":{"FORMAT":"txt"}},{"cachePoint":{"type":"default"}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"document":{"format":null}},{"cachePoint":{"type":"default"}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"document":"x"}],"role":"user"}]}`,
	`{"messages":[{"content":[{}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"a","image":{}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":null,"image":{"format":"png"}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"a","text":"b"}],"role":"user"}]}`,
	`{"messages":[{"content":[{"":{}},{"cachePoint":{"type":"default"}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"te\u0078t":"a"}],"role":"user"}]}`,
	`{"messages":[{"content":[{"テキスト":{}},{"cachePoint":{"type":"default"}}],"role":"user"}]}`,
	`{"messages":[{"content":[null,"x",[1],5,true],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":5}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":{"a":1}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"toolSpec":"x"}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"}],"inferenceConfig":{"maxTokens":0}}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"}],"inferenceConfig":{"maxTokens":-1}}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"}],"inferenceConfig":{"maxTokens":1.5}}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"}],"inferenceConfig":{"maxTokens":1e3}}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"}],"inferenceConfig":{"maxTokens":"5"}}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"}],"inferenceConfig":{"maxTokens":null,"temperature":0.5}}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"}],"inferenceConfig":{"maxTokens":99999999999999999999}}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"}],"inferenceConfig":{"maxTokens":-0}}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"}],"inferenceConfig":{"maxTokens":2000000}}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"}],"inferenceConfig":{"MaxTokens":3}}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"}],"inferenceConfig":5}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"}]}}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"}]}]`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"}]} x`,
	"{\"messages\":[{\"content\":[{\"text\":\"q\"}],\"role\":\"user\"}]}\x00",
	` {"messages":[{"content":[{"text":"q"}],"role":"user"}]} ` + "\n",
	`{"messages":[{"content":[{"text":"q"}],"role":"user"}]} {}`,
	`null`, `null}`, `nullx`, ` `, `5`, `"x"`, `true`, `[{}]`, `{`, `{"messages"}`, `{"messages":}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"},]}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"}],}`,
	`{"a":01,"messages":[]}`, `{"a":1.,"messages":[]}`, `{"a":-,"messages":[]}`, `{"a":1e,"messages":[]}`,
	`{"a":1E+5,"b":-0.5e-3,"c":[true,false,null],"messages":[]}`, `{"a":tru,"messages":[]}`,
	"{\"messages\":[{\"content\":[{\"text\":\"a\tb\"}],\"role\":\"user\"}]}",
	`{"messages":[{"content":[{"text":"\x"}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"\u12"}],"role":"user"}]}`,
	`{"messages":[{"role":null,"content":[{"text":"q"}]}]}`,
	`{"messages":[{"role":5,"content":[{"text":"q"}]}]}`,
	`{"messages":[{"role":"sy\u0073tem","content":[{"text":"q"}]}]}`,
	`{"messages":[{"role":"ü","content":[{"text":"q"}]}]}`,
	`{"messages":[{"role":"user","content":[{"text":"q"}],"Role":"assistant"}]}`,
	`{"messages":[{"role":"user","content":"q"}]}`,
	`{"messages":[{"role":"user","content":null}]}`,
	`{"messages":[null]}`,
	`{"messages":[{"role":"user","content":[{"text":"q"}]},{"role":"user","content":[{"text":"q"}]}]}`,
	`{"messages":[{"role":"assistant","content":[{"text":"q"}]}]}`,
	`{"messages":[{"role":"user","content":[{"text":"  "}]}]}`,
	`{"messages":{}}`, `{"system":"x","messages":[]}`, `{"system":null,"messages":null,"toolConfig":null}`,
	`{"toolConfig":{},"messages":[{"content":[{"text":"q"}],"role":"user"}]}`,
	`{"toolConfig":{"tools":[]},"messages":[{"content":[{"text":"q"}],"role":"user"}]}`,
	`{"toolConfig":{"tools":[{"toolSpec":"x"}]},"messages":[{"content":[{"text":"q"}],"role":"user"}]}`,
	`{"toolConfig":{"tools":[{"toolSpec":{"name":"t"}},{"cachePoint":{"type":"default"}}],"toolChoice":null},"messages":[{"content":[{"text":"q"}],"role":"user"}]}`,
	`{"toolConfig":{"tools":[{"toolSpec":{"name":"t"}}],"toolChoice":{"any":{}},"Tools":[]},"messages":[{"content":[{"text":"q"}],"role":"user"}]}`,
	`{"toolConfig":"x","messages":[]}`,
	`{"additionalModelRequestFields":null,"messages":[{"content":[{"text":"q"}],"role":"user"}]}`,
	`{"additionalModelRequestFields":[1, 2 ],"messages":[{"content":[{"text":"q"}],"role":"user"}]}`,
	`{"messages":[{"content":[{"reasoningContent":{"reasoningText":{"text":"t"}}},{"cachePoint":{"type":"default"}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"},{"content":[{"reasoningContent":{}},{"text":"a"}],"role":"assistant"},{"content":[{"text":"q"},{"cachePoint":{"type":"default"}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"a"},{"cachePoint":{"type":"default","ttl":"1h"}},{"text":"b"},{"cachePoint":{"type":"default"}}],"role":"user"}]}`,
	` { "messages" : [ { "content" : [ { "text" : "q" } , { "cachePoint" : { "type" : "default" } } ] , "role" : "user" } ] } `,
	`{"messages":[{"content":[{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17}],"role":"user"}]}`,
	`{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `,"messages":[]}`,
	`{"x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `,"messages":[]}`,
}

// FuzzDecodeMatchesReference holds the one-pass decoder to the decoder it
// replaced (reference_test.go): for every body, with and without the
// nothing-to-cache-accepted fault, the same request or the same error.
func FuzzDecodeMatchesReference(f *testing.F) {
	for _, set := range [][]string{fuzzSeeds, invokeFuzzSeeds, scanSeeds} {
		for i, s := range set {
			f.Add([]byte(s), i%3 == 0)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, dropEmpty bool) {
		got, gotErr := decodeRequestAs(body, dropEmpty)
		want, wantErr := refDecodeRequestAs(body, dropEmpty)
		if !reflect.DeepEqual(gotErr, wantErr) {
			t.Fatalf("body %q:\nerror %v\nwant  %v", body, gotErr, wantErr)
		}
		// Empty and nil lists are the same request: it only ranges over them.
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(request{}, block{}, checkpoint{}), cmpopts.EquateEmpty(), notInReference); diff != "" {
			t.Fatalf("body %q: request differs (-reference +new):\n%s", body, diff)
		}
	})
}

// TestSDKBodiesReadInOnePass checks that bodies as the SDK sends them never
// fall back to encoding/json.
func TestSDKBodiesReadInOnePass(t *testing.T) {
	srv := startHarness(t, Options{}).srv
	l := defaultLayered()
	l.msgSeed = "quote \" backslash \\ newline \n tab \t é 漢字 \u2028"
	_, body := sdkRequest(t, srv, l.input())
	bodies := [][]byte{body}
	for _, s := range fuzzSeeds[:7] {
		bodies = append(bodies, []byte(s))
	}
	for _, body := range bodies {
		if _, st := scanConverse(body); st != scanOK {
			t.Errorf("scanConverse: status %d for %s", st, body)
		}
	}
}

// FuzzJSONReaderSyntax holds the reader's syntax to encoding/json's: a
// text is one value and white space exactly when json.Valid says so, and
// every string's decoded length and blankness are what json.Unmarshal
// makes of it.
func FuzzJSONReaderSyntax(f *testing.F) {
	for _, set := range [][]string{fuzzSeeds, scanSeeds} {
		for _, s := range set {
			f.Add([]byte(s))
		}
	}
	f.Add([]byte(`"\ud800\udc00\u00a0 \u2028x"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &jsonReader{data: data}
		_, ok := r.value()
		if r.status == scanUnusual {
			return
		}
		ok = ok && r.peek() == 0 && r.pos == len(data)
		if ok != json.Valid(data) {
			t.Fatalf("%q: reader says valid=%v, json.Valid %v", data, ok, !ok)
		}
		if !ok || bytes.TrimSpace(data)[0] != '"' {
			return
		}
		r = &jsonReader{data: data}
		info, _ := r.str()
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			t.Fatal(err)
		}
		if info.n != len(s) || info.blank != (strings.TrimSpace(s) == "") || info.plain && s != string(info.content()) {
			t.Fatalf("%q: n=%d blank=%v plain=%v; decoded %q", data, info.n, info.blank, info.plain, s)
		}
	})
}

// TestPrefixHashesMatchReference checks computePrefix against the version
// it replaced, on every decodable seed, for a model that keys tool choice
// with the messages and one that does not, with and without the
// no-cascade fault.
func TestPrefixHashesMatchReference(t *testing.T) {
	specs := []*modelSpec{
		{id: "a", tailTokens: 3},
		{id: "b", tailTokens: 10, toolChoiceInMessages: true},
	}
	n := 0
	for _, set := range [][]string{fuzzSeeds, invokeFuzzSeeds, scanSeeds} {
		for _, body := range set {
			r, err := decodeRequest([]byte(body))
			if err != nil {
				continue
			}
			n++
			for _, spec := range specs {
				for _, noCascade := range []bool{false, true} {
					tok := tokenizer{charsPerToken: 4, blockOverhead: 3}
					got, want := computePrefix(r, spec, tok, prefixFaults{noCascade: noCascade}), refComputePrefix(r, spec, tok, noCascade)
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s (%s, noCascade %v): prefixes differ", body, spec.id, noCascade)
					}
				}
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d seeds decode", n)
	}
}

// anthropicSeeds are Anthropic bodies at the edges of what the tree
// decides alone.
var anthropicSeeds = []string{
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"hi"}]} x`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"hi"}]} 1`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}}`,
	` {"anthropic_version" : "bedrock-2023-05-31" , "max_tokens" : 16 , "messages" : [ { "role" : "user" , "content" : [ { "type" : "text" , "text" : "hi" , "cache_control" : { "type" : "ephemeral" } } ] } ] } `,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"Role":"user","content":"hi"}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","role":"assistant","content":"hi"}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":null,"content":"hi"}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":5,"content":"hi"}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[null]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":["x"]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":{}}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user"}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":null}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":""}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":5}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":[null,1,"s",[],{}]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":["a\nb \u00e9 \ud800"]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":[{"type":"text","text":"  \t"}]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":[{"type":"text","text":5}]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":[{"type":5}]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":[{"type":"t\u0065xt","text":"x"}]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA=="},"cache_control":{"type":"ephemeral"}}]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":[{"type":"document","source":{"media_type":"application/pdf"}},{"type":"document","source":{"Media_Type":"text/plain"},"cache_control":{"type":"ephemeral"}}]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":[{"type":"document","source":{"media_type":5}},{"type":"document","source":"x"},{"type":"document","source":{"media_type":"text/plain","media_type":"application/pdf"},"cache_control":{"type":"ephemeral"}}]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":[{"type":"document","source":{"media_type":"text/plain"},"cache_control":{"type":"ephemeral","ttl":"1h"}}]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":[{"type":"text","text":"q","cache_control":{"type":"ephemeral","ttl":null}}]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":[{"type":"text","text":"q","cache_control":{"type":"ephemeral","t\u0074l":"2h"}}]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":[{"type":"text","text":"q","cache_control":"x"}]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":[{"type":"text","text":"q","cache_control":null,"<k>":"&"}]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":[{"type":"text","text":"q","ke\u0079":1,"cache_control":{"type":"ephemeral"}}]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"tools":[{"name":"t","input_schema":{"type":"object","properties":{"content":{"type":"string"},"cache_control":[1]}}},{"cache_control":{"type":"ephemeral"},"name":null,"name":"u"}],"messages":[{"role":"user","content":"q"}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"tools":[{"description":"d"}],"messages":[{"role":"user","content":"q"}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"tools":{},"messages":[{"role":"user","content":"q"}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"tools":[1],"messages":[{"role":"user","content":"q"}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"system":5,"messages":[{"role":"user","content":"q"}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"system":[{"type":"text","text":""}],"messages":[{"role":"user","content":"q"}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"system":["  "],"messages":[{"role":"user","content":"q"}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":"16","messages":[{"role":"user","content":"q"}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":1.5,"messages":[{"role":"user","content":"q"}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":-3,"messages":[{"role":"user","content":"q"}]}`,
	`{"anthropic_version":"bedrock-2023-05-3\u0031","max_tokens":16,"messages":[{"role":"user","content":"q"}]}`,
	`{"anthropic_version":5,"max_tokens":16,"messages":[{"role":"user","content":"q"}]}`,
	`{"anthropic_version":null,"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"q"}]}`,
	`{"zeta":1,"alpha":2,"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"q"}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"tool_choice":{"type":"auto"},"thinking":{"type":"enabled","budget_tokens":1024},"messages":[{"role":"user","content":"q"}]}`,
	`{"anthropic_version":"2026-10-21","max_tokens":16,"cache_control":{"type":"ephemeral"},"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"q"}],"x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"q"}],"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"q"}],"x":[1,]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"q"}],}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"q"}]`,
	"{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}",
}

// FuzzDecodeAnthropicMatchesReference holds the tree-based Anthropic
// decoder to the decoder it replaced (reference_test.go): for every body,
// the same request or the same error.
func FuzzDecodeAnthropicMatchesReference(f *testing.F) {
	for _, set := range [][]string{invokeFuzzSeeds, anthropicSeeds, fuzzSeeds} {
		for _, s := range set {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, gotErr := decodeAnthropic(body)
		want, wantErr := refDecodeAnthropic(body)
		if !reflect.DeepEqual(gotErr, wantErr) {
			t.Fatalf("body %q:\nerror %v\nwant  %v", body, gotErr, wantErr)
		}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(request{}, block{}, checkpoint{}), cmpopts.EquateEmpty(), notInReference); diff != "" {
			t.Fatalf("body %q: request differs (-reference +new):\n%s", body, diff)
		}
	})
}

// TestAnthropicBodiesReadInOnePass checks that Anthropic bodies as callers
// send them are decoded from their tree, never from their bytes again.
func TestAnthropicBodiesReadInOnePass(t *testing.T) {
	for _, body := range append(invokeFuzzSeeds[:3:3], invokeFuzzSeeds[5:7]...) {
		tree, st := readTree([]byte(body))
		if st != scanOK {
			t.Fatalf("readTree: status %d for %s", st, body)
		}
		if _, err := decodeAnthropicFields(nodeValue(&tree)); err == errUnusualBody {
			t.Errorf("decoded from the bytes: %s", body)
		}
	}
}
