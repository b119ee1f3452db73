#!/usr/bin/python3
"""Reference renderer for the Kimi chat templates: the C# renderer's cross-check.

Reads {"templates": {style: path, ...}, "cases": [...]} as JSON on stdin and writes a JSON list
with one rendered string per case, or null where the template raises (as the first K2-Instruct
template does on a message without content). Each case: {"style": ..., "messages": [...],
"tools": [...], "add_generation_prompt": bool, "thinking": bool, "continue_final_message": bool},
its style one of the keys of "templates" ("k25" gets K2.5's tool handling below). Messages are
Hugging Face/OpenAI dicts (content a string, a list of parts or null). The templates are
Moonshot's own chat_template.jinja files, read with their line endings as they are (the first
K2-Instruct release's are CRLF) and rendered with jinja2 set up as transformers sets it up for
apply_chat_template (trim_blocks, lstrip_blocks, loopcontrols, its tojson), and
continue_final_message cuts the rendering as transformers does. For K2.5, the tools
go through what Moonshot's tokenizer does before rendering: their keys are sorted recursively and
tools_ts_str comes from the encoder below (left undefined when it fails).

With {"encode_tools": [[tool, ...], ...]} instead of cases it writes the encoder's output for each
list (null when it fails), to be checked against Moonshot's own encoder's recorded outputs.
"""

import json
import sys

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    return env


# ---- K2.5 tools_ts_str -------------------------------------------------------------------------

class Unsupported(Exception):
    pass


def comment(text, indent):
    return "\n".join(indent + "// " + line if line else "" for line in text.split("\n"))


def pystr(value):
    return value if isinstance(value, str) else repr(value)


INDENT = "  "
UNION_NAMES = {"string": "string", "number": "number", "integer": "number", "boolean": "boolean",
               "null": "null", "object": "{}", "array": "Array<any>"}
CONSTRAINTS = {"string": ("maxLength", "minLength", "pattern"), "number": ("maximum", "minimum"),
               "integer": ("maximum", "minimum"), "array": ("minItems", "maxItems")}


class Schema:
    """One function's schemas as (kind, data, description, constraints) tuples, $defs gathered on the way."""

    def __init__(self):
        self.defs = {}
        self.self_ref = False

    def read(self, node):
        if node is True:
            return ("scalar", "any", "", {})
        if node is False:
            return ("scalar", "null", "", {})
        if not isinstance(node, dict):
            raise Unsupported(node)
        desc = node.get("description", "") or ""
        if "$ref" in node:
            ref = node["$ref"]
            if ref == "#":
                self.self_ref = True
                return ("raw", "parameters", desc, {})
            if not ref.startswith("#/$defs/") or ref.split("/")[-1] not in self.defs:
                raise Unsupported(ref)
            return ("raw", ref.split("/")[-1], desc, {})
        if "anyOf" in node:
            return ("anyof", [self.read(t) for t in node["anyOf"]], desc, {})
        if "enum" in node:
            check_enum(node)
            return ("raw", " | ".join('"%s"' % v if isinstance(v, str) else str(v) for v in node["enum"]), desc, {})
        if "type" not in node:
            if node:
                raise Unsupported(node)
            return ("scalar", "any", "", {})
        kind = node["type"]
        if isinstance(kind, list):
            return ("raw", " | ".join(UNION_NAMES[k] for k in kind), desc, {})
        if kind == "object":
            return self.read_object(node)
        limits = {k: node[k] for k in CONSTRAINTS.get(kind, ()) if k in node}
        if kind == "array":
            item = self.read(node["items"]) if node.get("items") else ("scalar", "any", "", {})
            return ("array", item, desc, limits)
        return ("scalar", "number" if kind == "integer" else kind, desc, limits)

    def read_object(self, node):
        if not node:
            return ("object", ([], None), "", {})
        if "$defs" in node:
            self.defs.update(node["$defs"])
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            extra = self.read(extra)
        fields = []
        if "properties" in node:
            required = set(node.get("required", []))
            for name, prop in node["properties"].items():
                default = prop.get("default") if isinstance(prop, dict) else None
                fields.append((name, self.read(prop), name not in required, default))
        return ("object", (fields, extra), node.get("description", "") or "", {})


def check_enum(node):
    if "type" not in node:
        return
    kind = node["type"]
    if isinstance(kind, list):
        if len(kind) == 1:
            kind = kind[0]
        elif len(kind) == 2 and "null" in kind:
            kind = kind[1] if kind[0] == "null" else kind[0]
        else:
            raise Unsupported(kind)
    accepts = {"string": (str,), "number": (int, float), "integer": (int,), "boolean": (bool,)}.get(kind)
    for value in node["enum"]:
        if value is not None and accepts and not isinstance(value, accepts):
            raise Unsupported(value)


def docs(t, indent):
    _, _, desc, limits = t
    out = comment(desc, indent) + "\n" if desc else ""
    if limits:
        out += indent + "// " + ", ".join("%s: %s" % (k, pystr(limits[k])) for k in sorted(limits)) + "\n"
    return out


def field(f, indent):
    name, t, optional, default = f
    text = docs(t, indent)
    if default is not None:
        shown = repr(default) if isinstance(default, (int, float, bool)) else json.dumps(default, ensure_ascii=False)
        text += indent + "// Default: " + shown + "\n"
    return text + indent + name + ("?" if optional else "") + ": " + write(t, indent)


def write(t, indent):
    kind, data = t[0], t[1]
    if kind in ("scalar", "raw"):
        return data
    if kind == "anyof":
        return " | ".join(write(m, indent) for m in data)
    inner = indent + INDENT
    if kind == "array":
        above = docs(data, inner)
        return "Array<\n" + above + inner + write(data, inner) + "\n" + indent + ">" if above else "Array<" + write(data, indent) + ">"
    fields, extra = data
    ordered = sorted((f for f in fields if not f[2]), key=lambda f: f[0]) + sorted((f for f in fields if f[2]), key=lambda f: f[0])
    lines = [field(f, inner) for f in ordered]
    if extra is True or extra is False:
        lines.append(inner + "[k: string]: " + ("any" if extra else "never"))
    elif isinstance(extra, tuple):
        lines.append(inner + "[k: string]: " + write(extra, inner))
    elif extra is not None:
        raise Unsupported(extra)
    return "{\n" + ",\n".join(lines) + "\n" + indent + "}" if lines else "{}"


def function_ts(function):
    schema = Schema()
    params = schema.read_object(function.get("parameters") or {})
    parts = []
    if schema.self_ref:
        body = ",\n".join(field(f, INDENT) for f in params[1][0])
        parts.append("interface parameters {" + ("\n" + body + "\n" if body else "") + "}")
    for name, definition in list(schema.defs.items()):
        desc = definition.get("description", "")
        parts.append((comment(desc, "") + "\n" if desc else "") + "interface " + name + " " + write(schema.read(definition), ""))
    pieces = ["\n".join(parts), comment(function["description"], "") if function.get("description") else ""]
    signature = "parameters" if schema.self_ref else write(params, "")
    pieces.append("type %s = (_: %s) => any;" % (function.get("name", "function"), signature))
    return "\n".join(p for p in pieces if p)


def tools_ts(tools):
    if not tools:
        return None
    try:
        functions = [function_ts(t["function"]) for t in tools if t.get("type") == "function" and t.get("function")]
    except (Unsupported, KeyError, AttributeError, TypeError):
        return None
    if not functions:
        return ""
    return "# Tools\n\n## functions\nnamespace functions {\n" + "\n".join(functions) + "\n}\n"


# ---- rendering ---------------------------------------------------------------------------------

def deep_sorted(value):
    """Every dict's keys in sorted order, recursively; lists keep their order."""
    if isinstance(value, dict):
        return {key: deep_sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [deep_sorted(item) for item in value]
    return value


def final_text(message):
    """What transformers' continue_final_message looks for: the content, or a list's last text."""
    content = message["content"]
    if isinstance(content, (list, tuple)):
        for block in reversed(content):
            if "text" in block:
                return block["text"]
    return content


def render_or_none(templates, case):
    """The rendering, or None where the template itself fails (apply_chat_template would raise)."""
    try:
        return render(templates, case)
    except (TypeError, jinja2.TemplateError):
        return None


def render(templates, case):
    style = case["style"]
    tools = case.get("tools") or None
    kwargs = {"messages": case["messages"], "add_generation_prompt": case.get("add_generation_prompt", True)}
    if style == "k25":
        kwargs["thinking"] = case.get("thinking", True)
        if tools:
            tools = deep_sorted(tools)
            ts = tools_ts(tools)
            if ts is not None:
                kwargs["tools_ts_str"] = ts
    kwargs["tools"] = tools
    if case.get("continue_final_message"):
        kwargs["add_generation_prompt"] = False
    text = templates[style].render(**kwargs)
    if case.get("continue_final_message"):
        final = final_text(case["messages"][-1]).strip()
        text = text[: text.rindex(final) + len(final)]
    return text


def main():
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    if "encode_tools" in request:
        out = [tools_ts(tools) for tools in request["encode_tools"]]
    else:
        env = environment()
        templates = {}
        for style, path in request["templates"].items():
            # newline="": keep CRs, which Python's universal newlines would turn into LFs.
            with open(path, encoding="utf-8", newline="") as f:
                templates[style] = env.from_string(f.read())
        out = [render_or_none(templates, case) for case in request["cases"]]
    sys.stdout.buffer.write(json.dumps(out, ensure_ascii=True).encode("ascii"))


if __name__ == "__main__":
    main()
