"""A small RFC 5545 reader for the tests, written apart from the generator (events/ics.py uses icalendar):
unfold content lines (3.1), split NAME;PARAM=VALUE:VALUE (3.1, 3.2), unescape TEXT (3.3.11), nest components."""

from dataclasses import dataclass, field


@dataclass
class Prop:
    name: str
    params: dict
    value: str


@dataclass
class Component:
    name: str
    props: list = field(default_factory=list)
    children: list = field(default_factory=list)

    def get(self, name: str) -> Prop | None:
        found = [prop for prop in self.props if prop.name == name]
        assert len(found) <= 1, f"{name} appears {len(found)} times"
        return found[0] if found else None

    def value(self, name: str) -> str | None:
        prop = self.get(name)
        return prop.value if prop else None

    def text(self, name: str) -> str | None:
        raw = self.value(name)
        return None if raw is None else unescape(raw)

    def walk(self, name: str) -> list["Component"]:
        found = [self] if self.name == name else []
        for child in self.children:
            found.extend(child.walk(name))
        return found


def unfold(content: str) -> list[str]:
    """Lines end in CRLF; a line starting with a space or tab continues the previous one (its first char dropped)."""
    assert "\n" not in content.replace("\r\n", ""), "bare LF: lines must end in CRLF"
    lines: list[str] = []
    for line in content.split("\r\n"):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += line[1:]
        elif line:
            lines.append(line)
    return lines


def _split_outside_quotes(text: str, separator: str, maxsplit: int = -1) -> list[str]:
    parts, current, quoted = [], "", False
    for character in text:
        if character == '"':
            quoted = not quoted
        if character == separator and not quoted and (maxsplit < 0 or len(parts) < maxsplit):
            parts.append(current)
            current = ""
        else:
            current += character
    parts.append(current)
    return parts


def parse_line(line: str) -> Prop:
    head, value = _split_outside_quotes(line, ":", maxsplit=1)
    name, *raw_params = _split_outside_quotes(head, ";")
    params = {}
    for raw in raw_params:
        key, _eq, param_value = raw.partition("=")
        params[key.upper()] = param_value.strip('"')
    return Prop(name=name.upper(), params=params, value=value)


def unescape(value: str) -> str:
    out, index = [], 0
    while index < len(value):
        character = value[index]
        if character == "\\" and index + 1 < len(value):
            following = value[index + 1]
            out.append("\n" if following in "nN" else following)
            index += 2
        else:
            out.append(character)
            index += 1
    return "".join(out)


def parse(content: bytes | str) -> Component:
    """The VCALENDAR component of an .ics file."""
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    stack: list[Component] = []
    root = None
    for line in unfold(text):
        prop = parse_line(line)
        if prop.name == "BEGIN":
            component = Component(prop.value.upper())
            if stack:
                stack[-1].children.append(component)
            stack.append(component)
        elif prop.name == "END":
            component = stack.pop()
            assert component.name == prop.value.upper(), f"END:{prop.value} closes {component.name}"
            if not stack:
                root = component
        else:
            stack[-1].props.append(prop)
    assert root is not None and root.name == "VCALENDAR" and not stack
    return root
