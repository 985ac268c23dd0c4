package geminifake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// kind is the JSON type a field of the documented request schema takes.
type kind int

const (
	kString kind = iota
	kNumber
	kInteger
	kBoolean
	kObject // any object; fields of a known object are checked by spec
	kArray  // any array
	kStrings
	kAny
)

func (k kind) String() string {
	return [...]string{"a string", "a number", "an integer", "a boolean", "an object", "an array", "an array of strings", "any value"}[k]
}

// field is one member of a documented message: its JSON kind, and for an
// object or an array of objects the spec of its members.
type field struct {
	kind kind
	spec spec // members of the object, or of each array element
}

// spec is a message of the GenerateContentRequest schema
// (https://ai.google.dev/api/generate-content, v1beta), in the lowerCamelCase
// JSON names the gemini provider writes. A member not listed is refused, as
// the API refuses it ("Invalid JSON payload received. Unknown name").
type spec map[string]field

var (
	partSpec = spec{
		"text": {kind: kString}, "inlineData": {kind: kObject, spec: spec{"mimeType": {kind: kString}, "data": {kind: kString}}},
		"fileData":     {kind: kObject, spec: spec{"mimeType": {kind: kString}, "fileUri": {kind: kString}}},
		"functionCall": {kind: kObject, spec: spec{"id": {kind: kString}, "name": {kind: kString}, "args": {kind: kObject}}},
		"functionResponse": {kind: kObject, spec: spec{"id": {kind: kString}, "name": {kind: kString}, "response": {kind: kObject},
			"willContinue": {kind: kBoolean}, "scheduling": {kind: kString}}},
		"executableCode": {kind: kObject}, "codeExecutionResult": {kind: kObject},
		"thought": {kind: kBoolean}, "thoughtSignature": {kind: kString},
		"videoMetadata": {kind: kObject}, "partMetadata": {kind: kObject}, "mediaResolution": {kind: kObject},
	}
	contentSpec = spec{"role": {kind: kString}, "parts": {kind: kArray, spec: partSpec}}

	thinkingConfigSpec = spec{"includeThoughts": {kind: kBoolean}, "thinkingBudget": {kind: kInteger}, "thinkingLevel": {kind: kString}}

	generationConfigSpec = spec{
		"stopSequences": {kind: kStrings}, "responseMimeType": {kind: kString}, "responseSchema": {kind: kObject},
		"_responseJsonSchema": {kind: kAny}, "responseJsonSchema": {kind: kAny}, "responseModalities": {kind: kStrings},
		"candidateCount": {kind: kInteger}, "maxOutputTokens": {kind: kInteger}, "temperature": {kind: kNumber},
		"topP": {kind: kNumber}, "topK": {kind: kInteger}, "seed": {kind: kInteger},
		"presencePenalty": {kind: kNumber}, "frequencyPenalty": {kind: kNumber},
		"responseLogprobs": {kind: kBoolean}, "logprobs": {kind: kInteger},
		"enableEnhancedCivicAnswers": {kind: kBoolean}, "speechConfig": {kind: kObject},
		"thinkingConfig": {kind: kObject, spec: thinkingConfigSpec}, "imageConfig": {kind: kObject},
		"mediaResolution": {kind: kString},
	}

	functionDeclarationSpec = spec{"name": {kind: kString}, "description": {kind: kString}, "behavior": {kind: kString},
		"parameters": {kind: kObject}, "parametersJsonSchema": {kind: kAny}, "response": {kind: kObject}, "responseJsonSchema": {kind: kAny}}

	toolSpec = spec{"functionDeclarations": {kind: kArray, spec: functionDeclarationSpec},
		"codeExecution": {kind: kObject}, "googleSearch": {kind: kObject}, "googleSearchRetrieval": {kind: kObject},
		"urlContext": {kind: kObject}, "computerUse": {kind: kObject}, "fileSearch": {kind: kObject}, "googleMaps": {kind: kObject}}

	toolConfigSpec = spec{
		"functionCallingConfig": {kind: kObject, spec: spec{"mode": {kind: kString}, "allowedFunctionNames": {kind: kStrings}}},
		"retrievalConfig":       {kind: kObject},
	}

	requestSpec = spec{
		"contents":          {kind: kArray, spec: contentSpec},
		"tools":             {kind: kArray, spec: toolSpec},
		"toolConfig":        {kind: kObject, spec: toolConfigSpec},
		"safetySettings":    {kind: kArray, spec: spec{"category": {kind: kString}, "threshold": {kind: kString}}},
		"systemInstruction": {kind: kObject, spec: contentSpec},
		"generationConfig":  {kind: kObject, spec: generationConfigSpec},
		"cachedContent":     {kind: kString},
	}
)

// checkObject checks raw is an object whose members are all in s, each of
// its documented kind, recursively. at names the object in errors.
func checkObject(raw json.RawMessage, s spec, at string) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return fmt.Errorf("%s: must be an object", at)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the first error is the same on every run
	for _, k := range keys {
		name := k
		if at != "" {
			name = at + "." + k
		}
		f, ok := s[k]
		if !ok {
			return fmt.Errorf("Invalid JSON payload received. Unknown name %q at '%s': Cannot find field.", k, at)
		}
		if err := checkValue(obj[k], f, name); err != nil {
			return err
		}
	}
	return nil
}

func checkValue(raw json.RawMessage, f field, at string) error {
	raw = bytes.TrimSpace(raw)
	wrong := fmt.Errorf("Invalid value at '%s': must be %s, got %s", at, f.kind, raw)
	switch f.kind {
	case kAny:
		return nil
	case kString:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return wrong
		}
	case kBoolean:
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return wrong
		}
	case kNumber, kInteger:
		var n float64
		if len(raw) == 0 || raw[0] == '"' || json.Unmarshal(raw, &n) != nil {
			return wrong
		}
		if f.kind == kInteger && n != math.Trunc(n) {
			return wrong
		}
	case kStrings:
		var ss []string
		if json.Unmarshal(raw, &ss) != nil {
			return wrong
		}
	case kObject:
		if f.spec == nil {
			var obj map[string]json.RawMessage
			if json.Unmarshal(raw, &obj) != nil || obj == nil {
				return wrong
			}
			return nil
		}
		return checkObject(raw, f.spec, at)
	case kArray:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil || items == nil {
			return wrong
		}
		if f.spec != nil {
			for i, item := range items {
				if err := checkObject(item, f.spec, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
