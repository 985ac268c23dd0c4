package otel

import "encoding/binary"

// The protobuf wire format, as much of it as an OTLP export request and
// its response use (protobuf.dev/programming-guides/encoding). Fields at
// their proto3 default are left out, as every encoder does, except where
// a field's presence means something (a oneof member of AnyValue, a
// message that is set but empty).

const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

func appendTag(b []byte, num, wire int) []byte {
	return binary.AppendUvarint(b, uint64(num)<<3|uint64(wire))
}

func appendVarintField(b []byte, num int, v uint64) []byte {
	if v == 0 {
		return b
	}
	return appendVarintAlways(b, num, v)
}

func appendVarintAlways(b []byte, num int, v uint64) []byte {
	return binary.AppendUvarint(appendTag(b, num, wireVarint), v)
}

func appendFixed64(b []byte, num int, v uint64) []byte {
	if v == 0 {
		return b
	}
	return appendFixed64Always(b, num, v)
}

func appendFixed64Always(b []byte, num int, v uint64) []byte {
	return binary.LittleEndian.AppendUint64(appendTag(b, num, wireFixed64), v)
}

func appendFixed32(b []byte, num int, v uint32) []byte {
	if v == 0 {
		return b
	}
	return binary.LittleEndian.AppendUint32(appendTag(b, num, wireFixed32), v)
}

func appendString(b []byte, num int, s string) []byte {
	if s == "" {
		return b
	}
	return appendStringAlways(b, num, s)
}

func appendStringAlways(b []byte, num int, s string) []byte {
	b = binary.AppendUvarint(appendTag(b, num, wireBytes), uint64(len(s)))
	return append(b, s...)
}

func appendBytes(b []byte, num int, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	return appendBytesAlways(b, num, v)
}

func appendBytesAlways(b []byte, num int, v []byte) []byte {
	b = binary.AppendUvarint(appendTag(b, num, wireBytes), uint64(len(v)))
	return append(b, v...)
}

// appendMessage encodes the embedded message whose fields body appends, as
// field num. The message is written in place after a one-byte length,
// which is widened (and the message moved) when it is longer: most of an
// export's messages are short attributes.
func appendMessage(b []byte, num int, body func([]byte) []byte) []byte {
	b = appendTag(b, num, wireBytes)
	at := len(b)
	b = append(b, 0)
	b = body(b)
	n := len(b) - at - 1
	if n < 0x80 {
		b[at] = byte(n)
		return b
	}
	var lenBuf [binary.MaxVarintLen64]byte
	l := binary.PutUvarint(lenBuf[:], uint64(n))
	b = append(b, lenBuf[:l-1]...) // room for the wider length
	copy(b[at+l:], b[at+1:at+1+n])
	copy(b[at:], lenBuf[:l])
	return b
}

// partialSuccess reads ExportTraceServiceResponse.partial_success (field
// 1: rejected_spans, field 1, and error_message, field 2) from a
// collector's answer; ok is false when the answer is not that message
// (empty, or JSON from a proxy in front of the collector).
func partialSuccess(b []byte) (rejected int64, msg string, ok bool) {
	fields, ok := protoFields(b)
	if !ok {
		return 0, "", false
	}
	ps, found := fields[1]
	if !found {
		return 0, "", true
	}
	inner, ok := protoFields(ps.bytes)
	if !ok {
		return 0, "", false
	}
	return int64(inner[1].varint), string(inner[2].bytes), true
}

type protoValue struct {
	varint uint64
	bytes  []byte
}

// protoFields reads a message's top-level fields (the last of each
// number wins, as in protobuf).
func protoFields(b []byte) (map[int]protoValue, bool) {
	out := map[int]protoValue{}
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, false
		}
		b = b[n:]
		num, wire := int(tag>>3), int(tag&7)
		switch wire {
		case wireVarint:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return nil, false
			}
			out[num], b = protoValue{varint: v}, b[n:]
		case wireFixed64:
			if len(b) < 8 {
				return nil, false
			}
			b = b[8:]
		case wireFixed32:
			if len(b) < 4 {
				return nil, false
			}
			b = b[4:]
		case wireBytes:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return nil, false
			}
			out[num], b = protoValue{bytes: b[n : n+int(l)]}, b[n+int(l):]
		default:
			return nil, false
		}
	}
	return out, true
}
