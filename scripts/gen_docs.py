"""Generate the Requirements, Providers, Modules, Resources, Inputs and Outputs tables of Terraform module READMEs.

Reads a module's .tf files (the terraform block's required_version and required_providers, its module calls,
resources and data sources, variables.tf and outputs.tf) and rewrites the region between the
<!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS --> markers of its README.md.

    python scripts/gen_docs.py [--check] [MODULE_DIR ...]

Without MODULE_DIR it documents the repository root and every modules/*/ that has a variables.tf.
The reader understands the HCL subset that `terraform fmt` writes: top-level blocks (`variable`,
`output`, `terraform`, `module`, `resource`, `data`, ...), their attributes (values may span lines,
including heredocs), nested blocks such as `validation`, quoted strings with escapes and `${...}`
templates, and `#`, `//`, `/* */` comments. (python-hcl2 cannot replace it in this venv: checkov's
bc-python-hcl2 installs the same top-level `hcl2` package, so one overwrites the other.)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import jinja2

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"


class HclError(ValueError):
    """Text the reader cannot parse; the message starts with file:line."""


class DocsError(ValueError):
    """A README that cannot be updated."""


# --------------------------------------------------------------------------- lexer


@dataclass(frozen=True)
class Token:
    kind: str  # "str" (quoted, source text), "heredoc" (its value), "punct", "atom" or "nl"
    text: str
    line: int
    space: bool  # whitespace separates it from the previous token on the same line


class _Unterminated(Exception):
    pass


_PUNCT = "{}[](),="
_ATOM = re.compile(r"""(?:[^\s{}\[\](),="#/<]|/(?![/*])|<(?!<))+""")
_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][\w-]*)[ \t]*\r?\n")
_IDENT = re.compile(r"[A-Za-z_][\w-]*")


def _string_end(src: str, i: int) -> int:
    """Index just past the quoted string that starts at src[i] == '"'."""
    i += 1
    while i < len(src):
        if src[i] == "\\":
            i += 2
        elif src[i] == '"':
            return i + 1
        elif src[i] == "\n":
            break
        elif src.startswith(("$${", "%%{"), i):
            i += 3
        elif src.startswith(("${", "%{"), i):
            i = _template_end(src, i + 2)
        else:
            i += 1
    raise _Unterminated


def _template_end(src: str, i: int) -> int:
    """Index just past the `}` that closes a `${` or `%{` whose body starts at src[i]."""
    depth = 0
    while i < len(src):
        if src[i] == '"':
            i = _string_end(src, i)
            continue
        if src[i] == "{":
            depth += 1
        elif src[i] == "}":
            if depth == 0:
                return i + 1
            depth -= 1
        i += 1
    raise _Unterminated


def tokenize(src: str, filename: str = "<text>") -> list[Token]:
    tokens: list[Token] = []
    i, line, space = 0, 1, False

    def add(kind: str, text: str) -> None:
        nonlocal space
        tokens.append(Token(kind, text, line, space))
        space = False

    while i < len(src):
        c = src[i]
        if c in " \t\r":
            i, space = i + 1, True
        elif c == "\n":
            add("nl", c)
            i, line = i + 1, line + 1
        elif c == "#" or src.startswith("//", i):
            end = src.find("\n", i)
            i = len(src) if end < 0 else end
        elif src.startswith("/*", i):
            end = src.find("*/", i + 2)
            if end < 0:
                raise HclError(f"{filename}:{line}: unterminated /* comment")
            if "\n" in src[i:end]:
                add("nl", "\n")
                line += src.count("\n", i, end)
            i, space = end + 2, True
        elif c == '"':
            try:
                end = _string_end(src, i)
            except _Unterminated:
                raise HclError(f"{filename}:{line}: unterminated string") from None
            add("str", src[i:end])
            line += src.count("\n", i, end)
            i = end
        elif m := _HEREDOC.match(src, i):
            indented, marker = m.groups()
            body: list[str] = []
            start = m.end()
            while True:
                end = src.find("\n", start)
                text = src[start : len(src) if end < 0 else end].rstrip("\r")
                if text.strip() == marker:
                    break
                if end < 0:
                    raise HclError(f"{filename}:{line}: heredoc <<{marker} has no closing {marker} line")
                body.append(text)
                start = end + 1
            value = "".join(f"{b}\n" for b in body)
            add("heredoc", textwrap.dedent(value) if indented else value)
            line += len(body) + 1
            i = len(src) if end < 0 else end
        elif c in _PUNCT:
            add("punct", c)
            i += 1
        elif m := _ATOM.match(src, i):
            add("atom", m.group())
            i = m.end()
        else:
            raise HclError(f"{filename}:{line}: unexpected character {c!r}")
    return tokens


# --------------------------------------------------------------------------- parser


@dataclass
class Attribute:
    name: str
    value: list[Token]
    line: int


@dataclass
class Block:
    type: str
    labels: list[str]
    body: list[Attribute | Block]
    line: int


class _Parser:
    def __init__(self, tokens: list[Token], filename: str):
        self.tokens, self.filename, self.i = tokens, filename, 0

    def fail(self, message: str) -> HclError:
        tok = self.tokens[min(self.i, len(self.tokens) - 1)] if self.tokens else None
        return HclError(f"{self.filename}:{tok.line if tok else 1}: {message}")

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def is_punct(self, text: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "punct" and tok.text == text

    def body(self, nested: bool) -> list[Attribute | Block]:
        items: list[Attribute | Block] = []
        while (tok := self.peek()) is not None:
            if tok.kind == "nl":
                self.i += 1
            elif self.is_punct("}"):
                if not nested:
                    raise self.fail("unexpected }")
                self.i += 1
                return items
            elif tok.kind == "atom" and _IDENT.fullmatch(tok.text):
                self.i += 1
                if self.is_punct("="):
                    self.i += 1
                    items.append(Attribute(tok.text, self.expression(), tok.line))
                else:
                    items.append(Block(tok.text, self.labels(), self.block_body(), tok.line))
            else:
                raise self.fail(f"expected an attribute or a block, found {tok.text!r}")
        if nested:
            raise self.fail("missing } at end of file")
        return items

    def labels(self) -> list[str]:
        labels = []
        while (tok := self.peek()) is not None and tok.kind in ("str", "atom"):
            labels.append(string_value([tok], self.filename) if tok.kind == "str" else tok.text)
            self.i += 1
        return labels

    def block_body(self) -> list[Attribute | Block]:
        if not self.is_punct("{"):
            raise self.fail("expected { after the block labels")
        self.i += 1
        return self.body(nested=True)

    def expression(self) -> list[Token]:
        """Tokens up to the end of the line, or to a one-line block's `}`, outside brackets."""
        start, depth = self.i, 0
        while (tok := self.peek()) is not None:
            if tok.kind == "nl" and depth == 0:
                break
            if tok.kind == "punct" and tok.text in "([{":
                depth += 1
            elif tok.kind == "punct" and tok.text in ")]}":
                if depth == 0:
                    break
                depth -= 1
            self.i += 1
        if depth:
            raise self.fail("unclosed bracket at end of file")
        if self.i == start:
            raise self.fail("missing value after =")
        return self.tokens[start : self.i]


def parse_hcl(src: str, filename: str = "<text>") -> list[Attribute | Block]:
    return _Parser(tokenize(src, filename), filename).body(nested=False)


# --------------------------------------------------------------------------- values

_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)|\$\$\{|%%\{", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if code is None:
        return match.group()[1:]  # $${ -> ${ and %%{ -> %{
    if code[0] in "uU" and len(code) > 1:
        return chr(int(code[1:], 16))
    return _SIMPLE_ESCAPES.get(code, code)


def string_value(tokens: list[Token], filename: str) -> str:
    """The value of an expression that must be one quoted string or heredoc."""
    if len(tokens) == 1 and tokens[0].kind == "heredoc":
        return tokens[0].text
    if len(tokens) == 1 and tokens[0].kind == "str":
        return _ESCAPE.sub(_unescape, tokens[0].text[1:-1])
    raise HclError(f"{filename}:{tokens[0].line}: expected a string literal")


def bool_value(tokens: list[Token], filename: str) -> bool:
    if len(tokens) == 1 and tokens[0].text in ("true", "false"):
        return tokens[0].text == "true"
    raise HclError(f"{filename}:{tokens[0].line}: expected true or false")


def one_line(tokens: list[Token]) -> str:
    """Source text of an expression on one line: newlines between the elements of an object
    become commas, trailing commas go, and comments and runs of spaces are already gone."""
    out: list[str] = []
    brackets: list[str] = []
    prev: Token | None = None
    newline = False
    for tok in tokens:
        if tok.kind == "nl":
            newline = True
            continue
        punct = tok.text if tok.kind == "punct" else ""
        if prev is not None:
            prev_punct = prev.text if prev.kind == "punct" else ""
            if not newline:
                out.append(" " if tok.space else "")
            elif punct and punct in ")]}":
                if prev_punct == ",":
                    out.pop()
                out.append(" " if punct == "}" and prev_punct != "{" else "")
            elif prev_punct in ("(", "["):
                pass
            elif brackets and brackets[-1] == "{" and prev_punct not in ("{", ","):
                out.append(", ")
            else:
                out.append(" ")
        if tok.kind == "heredoc":
            out.append(json.dumps(tok.text, ensure_ascii=False))
        else:
            out.append(tok.text)
        if punct and punct in "([{":
            brackets.append(punct)
        elif punct and punct in ")]}" and brackets:
            brackets.pop()
        prev, newline = tok, False
    return "".join(out)


# --------------------------------------------------------------------------- module model


@dataclass
class Variable:
    name: str
    description: str
    type: str
    default: str | None  # one-line HCL; None when the variable has no default
    sensitive: bool
    validations: int

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass
class Output:
    name: str
    description: str
    sensitive: bool


def _blocks(path: Path, kind: str) -> list[tuple[Block, dict[str, list[Token]]]]:
    if not path.is_file():
        return []
    found = []
    for item in parse_hcl(path.read_text(encoding="utf-8"), str(path)):
        if isinstance(item, Block) and item.type == kind:
            if len(item.labels) != 1:
                raise HclError(f"{path}:{item.line}: {kind} block needs exactly one name")
            found.append((item, {a.name: a.value for a in item.body if isinstance(a, Attribute)}))
    return found


def read_variables(path: Path) -> list[Variable]:
    variables = []
    for block, attrs in _blocks(path, "variable"):
        variables.append(
            Variable(
                name=block.labels[0],
                description=string_value(attrs["description"], str(path)) if "description" in attrs else "",
                type=one_line(attrs["type"]) if "type" in attrs else "any",
                default=one_line(attrs["default"]) if "default" in attrs else None,
                sensitive=bool_value(attrs["sensitive"], str(path)) if "sensitive" in attrs else False,
                validations=sum(isinstance(b, Block) and b.type == "validation" for b in block.body),
            )
        )
    return variables


def read_outputs(path: Path) -> list[Output]:
    return [
        Output(
            name=block.labels[0],
            description=string_value(attrs["description"], str(path)) if "description" in attrs else "",
            sensitive=bool_value(attrs["sensitive"], str(path)) if "sensitive" in attrs else False,
        )
        for block, attrs in _blocks(path, "output")
    ]


@dataclass
class Requirement:
    name: str  # "terraform" or a provider's local name
    source: str  # a provider's source address; "" for terraform
    version: str  # the version constraint; "" when none is set


@dataclass
class Resource:
    address: str  # resource.type.name as Terraform addresses it: aws_s3_bucket.this, data.aws_region.current
    kind: str  # "resource" or "data source"


@dataclass
class ModuleCall:
    name: str
    source: str


@dataclass
class ModuleFiles:
    requirements: list[Requirement]
    resources: list[Resource]
    modules: list[ModuleCall]


def _object_strings(tokens: list[Token], filename: str) -> dict[str, str]:
    """The `key = "string"` pairs of a one-level object expression, e.g. a required_providers entry."""
    pairs = {}
    for i in range(len(tokens) - 2):
        key, eq, value = tokens[i : i + 3]
        if key.kind == "atom" and eq.kind == "punct" and eq.text == "=" and value.kind == "str":
            pairs[key.text] = string_value([value], filename)
    return pairs


def read_module_files(module_dir: Path) -> ModuleFiles:
    """What the module's .tf files (in file-name order) require, call and manage."""
    requirements: list[Requirement] = []
    resources: list[Resource] = []
    modules: list[ModuleCall] = []
    for path in sorted(module_dir.glob("*.tf")):
        name = str(path)
        for item in parse_hcl(path.read_text(encoding="utf-8"), name):
            if not isinstance(item, Block):
                continue
            attrs = {a.name: a.value for a in item.body if isinstance(a, Attribute)}
            if item.type == "terraform":
                if "required_version" in attrs:
                    requirements.insert(0, Requirement("terraform", "", string_value(attrs["required_version"], name)))
                for block in item.body:
                    if isinstance(block, Block) and block.type == "required_providers":
                        for provider in block.body:
                            if isinstance(provider, Attribute):
                                entry = _object_strings(provider.value, name)
                                requirements.append(
                                    Requirement(provider.name, entry.get("source", ""), entry.get("version", ""))
                                )
            elif item.type in ("resource", "data"):
                if len(item.labels) != 2:
                    raise HclError(f"{path}:{item.line}: {item.type} block needs a type and a name")
                prefix = "data." if item.type == "data" else ""
                kind = "data source" if item.type == "data" else "resource"
                resources.append(Resource(f"{prefix}{item.labels[0]}.{item.labels[1]}", kind))
            elif item.type == "module":
                if len(item.labels) != 1 or "source" not in attrs:
                    raise HclError(f"{path}:{item.line}: module block needs one name and a source")
                modules.append(ModuleCall(item.labels[0], string_value(attrs["source"], name)))
    resources.sort(key=lambda r: (r.kind == "data source", r.address))
    modules.sort(key=lambda m: m.name)
    return ModuleFiles(requirements, resources, modules)


# --------------------------------------------------------------------------- rendering


def md_code(text: str) -> str:
    """Inline code for a table cell."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def md_cell(text: str, sensitive: bool = False) -> str:
    """Prose for a table cell: lines of a paragraph joined, paragraphs separated by <br><br>."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n[ \t]*\n", text.strip())]
    cell = "<br><br>".join(p for p in paragraphs if p)
    if sensitive:
        cell = f"{cell} (sensitive)" if cell else "(sensitive)"
    return (cell or "n/a").replace("|", "\\|")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=False,  # noqa: S701 - renders Markdown, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(code=md_code, cell=md_cell)
    return env


def render_docs(module_dir: Path) -> str:
    """The generated section (without the markers) for one module."""
    variables = read_variables(module_dir / "variables.tf")
    outputs = read_outputs(module_dir / "outputs.tf")
    files = read_module_files(module_dir)
    template = _environment().get_template("tf_docs.md.j2")
    return template.render(
        requirements=files.requirements,
        providers=[r for r in files.requirements if r.name != "terraform"],
        modules=files.modules,
        resources=files.resources,
        variables=variables,
        outputs=outputs,
    )


def updated_readme(module_dir: Path, current: str | None) -> str:
    """The README text with a fresh generated section; `current` is None if there is no README."""
    if not (module_dir / "variables.tf").is_file() and not (module_dir / "outputs.tf").is_file():
        raise DocsError(f"{module_dir}: no variables.tf or outputs.tf")
    section = f"{BEGIN}\n{render_docs(module_dir)}{END}"
    if current is None:
        return f"# {module_dir.resolve().name}\n\n{section}\n"
    if current.count(BEGIN) != 1 or current.count(END) != 1 or current.index(BEGIN) > current.index(END):
        raise DocsError(
            f"{module_dir / 'README.md'}: needs one {BEGIN} line and, after it, one {END} line "
            "where the Inputs and Outputs tables belong"
        )
    head, rest = current.split(BEGIN)
    return head + section + rest.split(END)[1]


def default_module_dirs() -> list[Path]:
    modules = sorted(d for d in (REPO_ROOT / "modules").glob("*/") if (d / "variables.tf").is_file())
    return [REPO_ROOT, *modules]


def _shown(path: Path) -> str:
    """The path relative to the working directory when it is below it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the Terraform docs tables of module READMEs.")
    parser.add_argument(
        "modules",
        nargs="*",
        type=Path,
        metavar="MODULE_DIR",
        help="module directories (default: the repository root and every modules/*/ with a variables.tf)",
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a README is stale")
    args = parser.parse_args(argv)

    changes = []
    try:
        for module_dir in args.modules or default_module_dirs():
            readme = module_dir / "README.md"
            current = readme.read_text(encoding="utf-8") if readme.is_file() else None
            new = updated_readme(module_dir, current)
            if new != current:
                changes.append((readme, current, new))
    except (HclError, DocsError, OSError) as err:
        print(f"gen_docs: error: {err}", file=sys.stderr)
        return 2

    if args.check:
        if not changes:
            print("gen_docs: README docs are up to date")
            return 0
        for readme, current, _ in changes:
            missing = " (missing)" if current is None else ""
            print(f"gen_docs: stale: {_shown(readme)}{missing}", file=sys.stderr)
        command = " ".join(["python scripts/gen_docs.py", *map(str, args.modules)])
        print(f"gen_docs: run {command} to regenerate", file=sys.stderr)
        return 1

    for readme, current, new in changes:
        readme.write_text(new, encoding="utf-8")
        print(f"gen_docs: {'created' if current is None else 'updated'} {_shown(readme)}")
    if not changes:
        print("gen_docs: README docs are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
