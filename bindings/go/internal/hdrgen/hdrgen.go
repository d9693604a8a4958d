// Package hdrgen reads kv.h and generates the Go constants of the binding: the kv_status
// values with one sentinel error each, and every other uint32_t enumeration (key types,
// curves, algorithms, ...) with its named KV_* values.
//
// It is used by `go generate` (internal/gen) and by the drift test, which regenerates the
// file from include/kv.h and fails when it differs from the checked-in zz_generated.go.
package hdrgen

import (
	"bufio"
	"bytes"
	"fmt"
	"go/format"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Constant is one `#define KV_... <number>` of kv.h.
type Constant struct {
	CName  string // KV_STATUS_SECRET_NOT_FOUND
	Suffix string // SECRET_NOT_FOUND (the part after the enumeration's prefix)
	GoName string // StatusSecretNotFound
	Value  uint64
	Doc    string // the doc comment, one line
	Wire   string // the quoted wire name that starts the doc ("RS256"), if any
}

// Enum is one `typedef uint32_t kv_x;` of kv.h with its constants.
type Enum struct {
	CName     string // kv_signature_algorithm
	Prefix    string // KV_SIGNATURE_ALGORITHM_
	GoName    string // SignatureAlgorithm
	Doc       string
	Constants []Constant
}

// Header is what the generator takes from kv.h.
type Header struct {
	Enums     []Enum
	Functions []string // every function declared, in header order
}

var (
	reDefine   = regexp.MustCompile(`^#define\s+(KV_[A-Z0-9_]+)\s+([0-9]+)\s*$`)
	reTypedef  = regexp.MustCompile(`^typedef\s+uint32_t\s+(kv_[a-z0-9_]+)\s*;\s*$`)
	reFunction = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_ ]*[ *](kv_[a-z0-9_]+)\(`)
	reWire     = regexp.MustCompile(`^"([^"]+)"`)
)

// initialisms keep their capitals in Go names (Go style: URL, HTTP, RSA...).
var initialisms = map[string]bool{
	"OK": true, "URL": true, "TLS": true, "DNS": true, "HTTP": true, "RBAC": true, "UTF8": true,
	"RSA": true, "HSM": true, "EC": true, "AES": true, "CKM": true, "OAEP": true, "KW": true,
	"GCM": true, "CBC": true, "ID": true, "JWK": true, "PEM": true,
}

// goWords turns SECRET_NOT_FOUND into SecretNotFound and RSA_OAEP_256 into RSAOAEP256: a part
// that is an initialism or holds a digit keeps its capitals, others are title-cased.
func goWords(upper string) string {
	var b strings.Builder
	for _, part := range strings.Split(upper, "_") {
		if part == "" {
			continue
		}
		if initialisms[part] || strings.ContainsAny(part, "0123456789") {
			b.WriteString(part)
			continue
		}
		b.WriteString(part[:1])
		b.WriteString(strings.ToLower(part[1:]))
	}
	return b.String()
}

// Parse reads the enumerations and function names of kv.h.
func Parse(header []byte) (*Header, error) {
	type define struct {
		name  string
		value uint64
		doc   string
	}
	var (
		defines  []define
		typedefs []Enum
		doc      []string
		inDoc    bool
		lastDoc  string
		funcs    []string
		seenFunc = map[string]bool{}
	)
	sc := bufio.NewScanner(bytes.NewReader(header))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case inDoc:
			if strings.HasPrefix(line, "*/") || strings.HasSuffix(line, "*/") {
				inDoc = false
				lastDoc = strings.Join(doc, " ")
				continue
			}
			line = strings.TrimSpace(strings.TrimPrefix(line, "*"))
			if line != "" {
				doc = append(doc, line)
			}
			continue
		case line == "/**":
			inDoc, doc = true, nil
			continue
		case strings.HasPrefix(line, "/*"):
			// Another comment (the preamble, one-line notes): skipped, like its doc text.
			if !strings.Contains(line, "*/") {
				inDoc, doc = true, nil
			}
			continue
		case line == "":
			continue
		}
		if m := reDefine.FindStringSubmatch(line); m != nil {
			v, err := strconv.ParseUint(m[2], 10, 32)
			if err != nil {
				return nil, fmt.Errorf("kv.h: %s: %v", m[1], err)
			}
			defines = append(defines, define{m[1], v, lastDoc})
		} else if m := reTypedef.FindStringSubmatch(line); m != nil {
			typedefs = append(typedefs, Enum{
				CName:  m[1],
				Prefix: strings.ToUpper(m[1]) + "_",
				GoName: goWords(strings.ToUpper(strings.TrimPrefix(m[1], "kv_"))),
				Doc:    lastDoc,
			})
		} else if !strings.HasPrefix(line, "typedef") {
			// A declaration: `kv_status kv_client_get_secret(...` or `struct kv_str kv_key_id(...`.
			if m := reFunction.FindStringSubmatch(line); m != nil && !seenFunc[m[1]] {
				seenFunc[m[1]] = true
				funcs = append(funcs, m[1])
			}
		}
		lastDoc = ""
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(typedefs) == 0 {
		return nil, fmt.Errorf("kv.h: no `typedef uint32_t kv_...;` enumerations found")
	}
	// Longest prefix first, so KV_KEY_TYPE_RSA never lands in a shorter KV_KEY_ enumeration.
	order := make([]int, len(typedefs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(typedefs[order[a]].Prefix) > len(typedefs[order[b]].Prefix) })
	for _, d := range defines {
		// The include guard and the version macros (KV_VERSION_MAJOR/MINOR/PATCH) are not enumerations.
		if d.name == "KV_H" || strings.HasPrefix(d.name, "KV_VERSION_") {
			continue
		}
		found := false
		for _, i := range order {
			e := &typedefs[i]
			if !strings.HasPrefix(d.name, e.Prefix) {
				continue
			}
			suffix := strings.TrimPrefix(d.name, e.Prefix)
			c := Constant{CName: d.name, Suffix: suffix, GoName: e.GoName + goWords(suffix), Value: d.value, Doc: d.doc}
			if m := reWire.FindStringSubmatch(d.doc); m != nil {
				c.Wire = m[1]
			}
			e.Constants = append(e.Constants, c)
			found = true
			break
		}
		if !found {
			return nil, fmt.Errorf("kv.h: %s belongs to no `typedef uint32_t kv_...;` enumeration", d.name)
		}
	}
	h := &Header{Functions: funcs}
	for _, e := range typedefs {
		if len(e.Constants) > 0 {
			h.Enums = append(h.Enums, e)
		}
	}
	return h, nil
}

func comment(b *bytes.Buffer, indent, text string) {
	const width = 96
	line := indent + "//"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > width && line != indent+"//" {
			b.WriteString(line + "\n")
			line = indent + "//"
		}
		line += " " + w
	}
	b.WriteString(line + "\n")
}

// Generate returns the gofmt'ed Go source of zz_generated.go for the header.
func Generate(header []byte) ([]byte, error) {
	h, err := Parse(header)
	if err != nil {
		return nil, err
	}
	var status *Enum
	for i := range h.Enums {
		if h.Enums[i].CName == "kv_status" {
			status = &h.Enums[i]
		}
	}
	if status == nil {
		return nil, fmt.Errorf("kv.h: no KV_STATUS_* values")
	}

	var b bytes.Buffer
	b.WriteString("// Code generated by internal/gen from include/kv.h; DO NOT EDIT.\n")
	b.WriteString("// Regenerate with `go generate` in bindings/go/kv after kv.h changes.\n\n")
	b.WriteString("package kv\n\n")

	for _, e := range h.Enums {
		comment(&b, "", fmt.Sprintf("%s mirrors %s: %s", e.GoName, e.CName, e.Doc))
		fmt.Fprintf(&b, "type %s uint32\n\n", e.GoName)
		b.WriteString("const (\n")
		for _, c := range e.Constants {
			comment(&b, "\t", fmt.Sprintf("%s is %s: %s", c.GoName, c.CName, c.Doc))
			fmt.Fprintf(&b, "\t%s %s = %d\n", c.GoName, e.GoName, c.Value)
		}
		b.WriteString(")\n\n")

		lower := strings.ToLower(e.GoName[:1]) + e.GoName[1:]
		if e.CName == "kv_status" {
			fmt.Fprintf(&b, "// %sNames maps each status to its C name.\n", lower)
		} else {
			fmt.Fprintf(&b, "// %sNames maps each value to its wire name (or its Go name when it has none).\n", lower)
		}
		fmt.Fprintf(&b, "var %sNames = map[%s]string{\n", lower, e.GoName)
		for _, c := range e.Constants {
			name := c.Wire
			if e.CName == "kv_status" {
				name = c.CName
			} else if name == "" {
				name = c.GoName
			}
			fmt.Fprintf(&b, "\t%s: %q,\n", c.GoName, name)
		}
		b.WriteString("}\n\n")
		if e.CName == "kv_status" {
			fmt.Fprintf(&b, "// String returns the C name of the status, e.g. \"KV_STATUS_SECRET_NOT_FOUND\".\n")
		} else {
			fmt.Fprintf(&b, "// String returns the wire name, e.g. %q.\n", firstName(e))
		}
		fmt.Fprintf(&b, "func (v %s) String() string { return enumString(%sNames, v, %q) }\n\n", e.GoName, lower, e.GoName)
	}

	b.WriteString("// Sentinel errors, one per KV_STATUS_* value except KV_STATUS_OK. Every error a call\n")
	b.WriteString("// returns with that status matches its sentinel: errors.Is(err, kv.ErrSecretNotFound).\n")
	b.WriteString("var (\n")
	for _, c := range status.Constants {
		if c.Value == 0 {
			continue
		}
		errName := "Err" + strings.TrimPrefix(c.GoName, "Status")
		comment(&b, "\t", fmt.Sprintf("%s matches %s: %s", errName, c.CName, c.Doc))
		fmt.Fprintf(&b, "\t%s = &Error{Status: %s, StatusName: %q}\n", errName, c.GoName, c.CName)
	}
	b.WriteString(")\n\n")
	b.WriteString("// statusSentinels maps each status (except StatusOK) to its sentinel error.\n")
	b.WriteString("var statusSentinels = map[Status]*Error{\n")
	for _, c := range status.Constants {
		if c.Value == 0 {
			continue
		}
		fmt.Fprintf(&b, "\t%s: Err%s,\n", c.GoName, strings.TrimPrefix(c.GoName, "Status"))
	}
	b.WriteString("}\n")

	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("generated code does not parse: %v", err)
	}
	return out, nil
}

func firstName(e Enum) string {
	for _, c := range e.Constants {
		if c.Wire != "" {
			return c.Wire
		}
	}
	return e.Constants[0].GoName
}
