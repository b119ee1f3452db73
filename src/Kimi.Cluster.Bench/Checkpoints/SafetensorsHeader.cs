using System.Buffers.Binary;
using System.Text.Json;

namespace Kimi.Cluster.Bench.Checkpoints;

/// <summary>
/// The safetensors preamble: an 8-byte little-endian length, then the JSON header listing each
/// tensor's dtype, shape and [begin, end) offsets into the data that follows, padded with spaces
/// to a multiple of 8 so that the data starts aligned.
/// </summary>
public static class SafetensorsHeader
{
    public static byte[] Build(IReadOnlyList<PlannedTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("__metadata__");
            writer.WriteString("format", "pt");
            writer.WriteEndObject();
            long offset = 0;
            foreach (var tensor in tensors)
            {
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", tensor.DType);
                writer.WriteStartArray("shape");
                foreach (long size in tensor.Shape)
                    writer.WriteNumberValue(size);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset += tensor.ByteLength);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        int padded = (int)((json.Length + 7) / 8 * 8);
        var bytes = new byte[8 + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        json.GetBuffer().AsSpan(0, (int)json.Length).CopyTo(bytes.AsSpan(8));
        bytes.AsSpan(8 + (int)json.Length).Fill((byte)' ');
        return bytes;
    }
}
