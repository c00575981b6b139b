# Independent reference for tabx split's TFX key: tf.train.Feature built with the
# protobuf library from tensorflow/core/example/feature.proto's field numbers,
# SerializeToString(deterministic=True), then TFX's _PartitionFn bucket.
import hashlib, bisect
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

fdp = descriptor_pb2.FileDescriptorProto(name="feature.proto", package="tensorflow", syntax="proto3")
def msg(name, fields):
    m = fdp.message_type.add(name=name)
    for fname, num, typ, label, tname, oneof in fields:
        f = m.field.add(name=fname, number=num, type=typ, label=label)
        if tname: f.type_name = tname
        if oneof is not None: f.oneof_index = oneof
    return m
F = descriptor_pb2.FieldDescriptorProto
msg("BytesList", [("value", 1, F.TYPE_BYTES, F.LABEL_REPEATED, None, None)])
msg("FloatList", [("value", 1, F.TYPE_FLOAT, F.LABEL_REPEATED, None, None)])
msg("Int64List", [("value", 1, F.TYPE_INT64, F.LABEL_REPEATED, None, None)])
feat = msg("Feature", [("bytes_list", 1, F.TYPE_MESSAGE, F.LABEL_OPTIONAL, ".tensorflow.BytesList", 0),
                       ("float_list", 2, F.TYPE_MESSAGE, F.LABEL_OPTIONAL, ".tensorflow.FloatList", 0),
                       ("int64_list", 3, F.TYPE_MESSAGE, F.LABEL_OPTIONAL, ".tensorflow.Int64List", 0)])
feat.oneof_decl.add(name="kind")
pool = descriptor_pool.DescriptorPool(); pool.Add(fdp)
Feature = message_factory.GetMessageClass(pool.FindMessageTypeByName("tensorflow.Feature"))

def key(v):
    f = Feature()
    if v is None: pass
    elif isinstance(v, int): f.int64_list.value.append(v)
    else: f.bytes_list.value.append(v.encode() if isinstance(v, str) else v)
    return f.SerializeToString(deterministic=True)

def bucket(k, total):
    return int(hashlib.sha256(k).hexdigest(), 16) % total

if __name__ == "__main__":
    for v in ["Flash Cab", 7, -3, 300, None, "x" * 200, ""]:
        k = key(v)
        print(repr(v)[:20], k.hex()[:60], len(k), bucket(k, 3), bucket(k, 1000003), int(hashlib.sha256(k).hexdigest(), 16) % (2**64 - 59))
