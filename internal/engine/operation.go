package engine

// Op is the request's operation: Operation, or OpChat when it is empty
// (callers built before operations existed, tests). It is the
// request.operation condition variable and the operation label of
// metrics and traces, so its values are bounded by the Op* constants.
func (r *Request) Op() string {
	switch r.Operation {
	case OpEmbeddings, OpMessages, OpResponses:
		return r.Operation
	}
	return OpChat
}

// Operations lists the Op* values, for docs and validation; it equals
// condition.Operations (a test holds them together).
var Operations = []string{OpChat, OpEmbeddings, OpMessages, OpResponses}

// opValues are the operations as interface values, boxed once: a string
// converted to any at each call would allocate on every request's span
// annotations.
var opValues = map[string]any{OpChat: OpChat, OpEmbeddings: OpEmbeddings, OpMessages: OpMessages, OpResponses: OpResponses}

// opValue is Op() as an any that costs no allocation.
func (r *Request) opValue() any { return opValues[r.Op()] }
