#!/usr/bin/env python3
"""Parse tabx artifacts with tensorflow_metadata's own Python classes.

tabx writes TFDV's protobuf messages from its own .proto files
(schema/proto/tabx/metadata/). This script is the outside check that what
tabx writes is what TFDV reads: it parses each file strictly with the
generated classes of the pinned `tensorflow-metadata` wheel
(.ci/requirements-tfmd.txt).

Usage:
  python3 .ci/check_tfmd.py {statistics|schema|anomalies} FILE...
      .json   google.protobuf.json_format.Parse(..., ignore_unknown_fields=False)
      .pbtxt  google.protobuf.text_format.Parse, and text_format.MessageToString
              of the message must print the file unchanged (TFDV's layout)
      .pb     Message.ParseFromString, and no unknown fields allowed
  python3 .ci/check_tfmd.py descriptors FILE.pb
      FILE.pb is an encoded FileDescriptorSet (tabx's embedded one: run
      `TABX_TFMD_DUMP_DIR=DIR cargo test -p tabx-schema proto::` and pass
      DIR/tfmd_descriptor_set.pb). Every message, field and enum of the
      statistics, schema and anomalies protos is compared with the wheel's:
      names, numbers, types, labels, oneofs, defaults, packing.

Exits 0 when every file passes, 1 naming each file that does not, 2 on usage
errors.
"""

import sys
from pathlib import Path

from google.protobuf import descriptor_pb2, json_format, text_format, unknown_fields
from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

MESSAGES = {
    "statistics": statistics_pb2.DatasetFeatureStatisticsList,
    "schema": schema_pb2.Schema,
    "anomalies": anomalies_pb2.Anomalies,
}


def is_repeated(field) -> bool:
    # protobuf 6+ has `is_repeated`; `label` is gone from its upb descriptors.
    if hasattr(field, "is_repeated"):
        return field.is_repeated
    return field.label == field.LABEL_REPEATED


def has_unknown_fields(message) -> bool:
    """True if `message` or any message inside it kept fields it does not know.

    ParseFromString keeps unknown fields quietly; a field tabx writes that
    TFMD does not define is exactly what this script is meant to catch.
    """
    # `Message.UnknownFields()` is gone in protobuf 5+ (upb); this is its successor.
    if len(unknown_fields.UnknownFieldSet(message)):
        return True
    for field, value in message.ListFields():
        if field.type != field.TYPE_MESSAGE:
            continue
        if field.message_type.GetOptions().map_entry:
            values = value.values() if field.message_type.fields_by_name["value"].message_type else []
        elif is_repeated(field):
            values = value
        else:
            values = [value]
        if any(has_unknown_fields(v) for v in values):
            return True
    return False


def parse(kind: str, path: Path):
    message = MESSAGES[kind]()
    suffix = path.suffix.lower()
    if suffix == ".json":
        json_format.Parse(path.read_text(encoding="utf-8"), message, ignore_unknown_fields=False)
    elif suffix in (".pbtxt", ".textproto", ".txtpb"):
        text = path.read_text(encoding="utf-8")
        text_format.Parse(text, message)
        # tabx writes text format as TFDV does (text_format.MessageToString,
        # which tfdv.write_schema_text calls): Python prints it unchanged.
        printed = text_format.MessageToString(message)
        if printed != text:
            diff = next(i for i, (a, b) in enumerate(zip(printed + "\0", text + "\0")) if a != b)
            line = text.count("\n", 0, diff) + 1
            raise ValueError(f"text format differs from Python's MessageToString from line {line}: "
                             f"{text[diff:diff + 60]!r} where Python prints {printed[diff:diff + 60]!r}")
    elif suffix in (".pb", ".binpb"):
        message.ParseFromString(path.read_bytes())
        if has_unknown_fields(message):
            raise ValueError("binary message has fields that tensorflow_metadata does not define")
    else:
        raise ValueError(f"unknown extension {suffix!r}: expected .json, .pbtxt or .pb")
    return message


def describe_file(fdp: descriptor_pb2.FileDescriptorProto) -> dict:
    """Flattens a file's messages and enums into {full name: comparable facts}.

    File names, imports and comments differ on purpose (tabx's files are its
    own); only what reaches the wire, JSON or text format is compared.
    (json_name is left out: protoc drops it from the wheel's embedded
    descriptors, and neither side overrides the default lowerCamelCase.)
    """
    out = {}
    proto2 = fdp.syntax in ("", "proto2")

    def enum(prefix, e):
        out[f"enum {prefix}.{e.name}"] = sorted((v.name, v.number) for v in e.value)

    def message(prefix, m):
        name = f"{prefix}.{m.name}"
        fields = {}
        for f in m.field:
            options = f.options
            fields[f.name] = {
                "number": f.number,
                "label": f.label,
                "type": f.type,
                "type_name": f.type_name,
                "oneof": m.oneof_decl[f.oneof_index].name
                if f.HasField("oneof_index") and not f.proto3_optional
                else None,
                "proto3_optional": f.proto3_optional,
                "default": f.default_value if f.HasField("default_value") else None,
                "packed": options.packed if options.HasField("packed") else None,
                "proto2": proto2,
            }
        out[f"message {name}"] = {
            "fields": fields,
            "map_entry": m.options.map_entry,
            "reserved": sorted((r.start, r.end) for r in m.reserved_range),
        }
        for e in m.enum_type:
            enum(name, e)
        for n in m.nested_type:
            message(name, n)

    prefix = "." + fdp.package if fdp.package else ""
    for e in fdp.enum_type:
        enum(prefix, e)
    for m in fdp.message_type:
        message(prefix, m)
    return out


def wheel_files() -> list:
    """The wheel's FileDescriptorProtos for our three roots and their imports."""
    seen, order = set(), []

    def visit(fd):
        if fd.name in seen:
            return
        seen.add(fd.name)
        for dep in fd.dependencies:
            visit(dep)
        proto = descriptor_pb2.FileDescriptorProto()
        fd.CopyToProto(proto)
        order.append(proto)

    for module in (statistics_pb2, schema_pb2, anomalies_pb2):
        visit(module.DESCRIPTOR)
    return order


def check_descriptors(path: Path) -> list:
    fds = descriptor_pb2.FileDescriptorSet()
    fds.ParseFromString(path.read_bytes())
    ours, theirs = {}, {}
    for f in fds.file:
        if not f.name.startswith("google/"):
            ours.update(describe_file(f))
    for f in wheel_files():
        if not f.name.startswith("google/"):
            theirs.update(describe_file(f))
    problems = []
    for name in sorted(theirs.keys() - ours.keys()):
        problems.append(f"missing in tabx: {name}")
    for name in sorted(ours.keys() - theirs.keys()):
        problems.append(f"not in tensorflow_metadata: {name}")
    for name in sorted(ours.keys() & theirs.keys()):
        a, b = ours[name], theirs[name]
        if a == b:
            continue
        if name.startswith("enum "):
            problems.append(f"{name}: values differ: tabx {a} vs tfmd {b}")
            continue
        for key in ("map_entry", "reserved"):
            if a[key] != b[key]:
                problems.append(f"{name}: {key} tabx {a[key]} vs tfmd {b[key]}")
        for field in sorted(b["fields"].keys() - a["fields"].keys()):
            problems.append(f"{name}: field {field} missing in tabx")
        for field in sorted(a["fields"].keys() - b["fields"].keys()):
            problems.append(f"{name}: field {field} not in tensorflow_metadata")
        for field in sorted(a["fields"].keys() & b["fields"].keys()):
            fa, fb = a["fields"][field], b["fields"][field]
            for key in fb:
                if fa[key] != fb[key]:
                    problems.append(f"{name}.{field}: {key} tabx {fa[key]!r} vs tfmd {fb[key]!r}")
    return problems


def main(argv: list) -> int:
    if len(argv) < 3 or argv[1] not in (*MESSAGES, "descriptors"):
        print(__doc__, file=sys.stderr)
        return 2
    kind, files = argv[1], [Path(a) for a in argv[2:]]
    failed = 0
    for path in files:
        try:
            if kind == "descriptors":
                problems = check_descriptors(path)
                if problems:
                    raise ValueError("descriptors differ:\n  " + "\n  ".join(problems))
            else:
                parse(kind, path)
        except Exception as e:  # any parse failure is reported per file
            failed += 1
            print(f"FAIL {path}: {type(e).__name__}: {e}", file=sys.stderr)
        else:
            print(f"ok   {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
