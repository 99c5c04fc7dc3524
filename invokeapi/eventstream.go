package invokeapi

import (
	"encoding/binary"
	"hash/crc32"
)

// The event stream encoding (application/vnd.amazon.eventstream) that
// InvokeWithResponseStream answers in: a sequence of binary messages, each
//
//	total length   uint32, big-endian: the whole message, these 4 bytes and the CRC included
//	headers length uint32
//	prelude CRC    uint32: CRC-32 (IEEE) of the 8 bytes before it
//	headers        each: name length uint8, name, value type uint8 (7: string), value length uint16, value
//	payload
//	message CRC    uint32: CRC-32 (IEEE) of everything before it
//
// lambdad sends only string headers: :message-type, :event-type and
// :content-type.

// eventString is the event stream's type tag of a string header value.
const eventString = 7

// eventHeader is one string header of an event stream message.
type eventHeader struct{ name, value string }

// appendEvent appends the event message of type eventType with payload of
// contentType to b.
func appendEvent(b []byte, eventType, contentType string, payload []byte) []byte {
	return appendMessage(b, []eventHeader{
		{":event-type", eventType},
		{":content-type", contentType},
		{":message-type", "event"},
	}, payload)
}

// appendMessage appends one message to b. Header names and values are
// lambdad's own constants, well within the format's 255 and 65535 bytes.
func appendMessage(b []byte, headers []eventHeader, payload []byte) []byte {
	headersLen := 0
	for _, h := range headers {
		headersLen += 1 + len(h.name) + 1 + 2 + len(h.value)
	}
	total := 12 + headersLen + len(payload) + 4
	start := len(b)
	b = binary.BigEndian.AppendUint32(b, uint32(total))
	b = binary.BigEndian.AppendUint32(b, uint32(headersLen))
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:start+8]))
	for _, h := range headers {
		b = append(b, byte(len(h.name)))
		b = append(b, h.name...)
		b = append(b, eventString)
		b = binary.BigEndian.AppendUint16(b, uint16(len(h.value)))
		b = append(b, h.value...)
	}
	b = append(b, payload...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}
