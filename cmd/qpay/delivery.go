package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxDeliveryBytes bounds what verify-webhook reads; a real delivery is a
// few kilobytes, and the adapters refuse bodies far smaller than this.
const maxDeliveryBytes = 8 << 20

// delivery is one captured webhook: the headers and the body exactly as
// they were received.
type delivery struct {
	header http.Header
	body   []byte
}

// readDelivery reads a capture in either form verify-webhook accepts: a JSON
// object with "headers" and "body", or a raw HTTP request.
func readDelivery(r io.Reader) (*delivery, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxDeliveryBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxDeliveryBytes {
		return nil, fmt.Errorf("the delivery is larger than %d bytes", maxDeliveryBytes)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return nil, errors.New("the delivery is empty")
	case trimmed[0] == '{':
		return parseJSONCapture(trimmed)
	default:
		return parseHTTPDump(trimmed)
	}
}

// parseJSONCapture reads {"headers": {...}, "body": ...}, the shape of the
// reference's captured deliveries; other fields ("note", "method") are
// ignored.
func parseJSONCapture(data []byte) (*delivery, error) {
	var c struct {
		Headers map[string]json.RawMessage `json:"headers"`
		// RawMessage keeps the body's bytes exactly as they are written in
		// the file: Checkout signs bytes, and re-encoding the object (key
		// order, spacing, escapes) would change them.
		Body json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf(`not a JSON capture {"headers": {...}, "body": ...}: %w`, err)
	}
	if c.Headers == nil {
		return nil, errors.New(`the JSON capture has no "headers" object`)
	}
	d := &delivery{header: http.Header{}}
	for name, raw := range c.Headers {
		var one string
		var many []string
		switch {
		case json.Unmarshal(raw, &one) == nil:
			d.header.Add(name, one)
		case json.Unmarshal(raw, &many) == nil:
			for _, v := range many {
				d.header.Add(name, v)
			}
		default:
			return nil, fmt.Errorf("header %q must be a string or an array of strings", name)
		}
	}
	switch {
	case len(c.Body) == 0 || string(c.Body) == "null":
		return nil, errors.New(`the JSON capture has no "body"`)
	case c.Body[0] == '"':
		// A string body is the delivered bytes, unescaped.
		var s string
		if err := json.Unmarshal(c.Body, &s); err != nil {
			return nil, fmt.Errorf("the capture's body string: %w", err)
		}
		d.body = []byte(s)
	default:
		d.body = c.Body
	}
	return d, nil
}

// parseHTTPDump reads a request as it arrived on the wire. With a
// Content-Length (or chunked encoding) the body is what that says; without
// either, http.ReadRequest would see no body at all, so the rest of the input
// is the body, byte for byte.
func parseHTTPDump(data []byte) (*delivery, error) {
	br := bufio.NewReader(bytes.NewReader(data))
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, fmt.Errorf("neither a JSON capture nor an HTTP request (%q...): %w", firstLine(data), err)
	}
	defer req.Body.Close()
	framed := req.Header.Get("Content-Length") != "" || len(req.TransferEncoding) > 0
	var body []byte
	if framed {
		body, err = io.ReadAll(req.Body)
		if err != nil {
			return nil, fmt.Errorf("reading the request's body: %w (is Content-Length right?)", err)
		}
	} else {
		body, err = io.ReadAll(br)
		if err != nil {
			return nil, fmt.Errorf("reading the request's body: %w", err)
		}
	}
	return &delivery{header: req.Header, body: body}, nil
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(string(b), "\n")
	if len(line) > 40 {
		line = line[:40]
	}
	return strings.TrimRight(line, "\r")
}
