using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// Minimal safetensors writer and header reader: u64 LE header length, JSON header padded
/// with spaces to a multiple of 8, then the contiguous data buffer.
/// </summary>
public static class SafetensorsFile
{
    /// <summary>
    /// Writes the tensors. Like the safetensors library, wider types come first so every
    /// tensor starts at a multiple of its element size, with no holes in the buffer.
    /// </summary>
    public static long Write(string path, IEnumerable<EncodedTensor> tensors)
    {
        var ordered = tensors.OrderByDescending(t => DtypeCodec.ElementSize(t.Dtype)).ToList(); // stable
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            json.WriteString("format", "pt");
            json.WriteEndObject();
            long offset = 0;
            foreach (var t in ordered)
            {
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", DtypeCodec.SafetensorsName(t.Dtype));
                json.WriteStartArray("shape");
                foreach (int d in t.Shape)
                {
                    json.WriteNumberValue(d);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + t.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += t.Data.Length;
            }
            json.WriteEndObject();
        }
        while (header.Length % 8 != 0)
        {
            header.WriteByte((byte)' ');
        }

        using var file = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        file.Write(length);
        header.Position = 0;
        header.CopyTo(file);
        long total = 0;
        foreach (var t in ordered)
        {
            file.Write(t.Data);
            total += t.Data.Length;
        }
        return total;
    }

    /// <summary>Reads the header; returns the entries (file order) and where the data buffer starts.</summary>
    public static (IReadOnlyList<SafetensorsEntry> Entries, long DataStart, IReadOnlyDictionary<string, string> Metadata) ReadHeader(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> lengthBytes = stackalloc byte[8];
        file.ReadExactly(lengthBytes);
        long length = checked((long)BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes));
        var headerBytes = new byte[length];
        file.ReadExactly(headerBytes);

        var entries = new List<SafetensorsEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(headerBytes));
        foreach (var property in doc.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                foreach (var m in property.Value.EnumerateObject())
                {
                    metadata[m.Name] = m.Value.GetString() ?? "";
                }
                continue;
            }
            var v = property.Value;
            var shape = v.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var offsets = v.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            entries.Add(new(property.Name, v.GetProperty("dtype").GetString() ?? "", shape, offsets[0], offsets[1]));
        }
        return (entries, 8 + length, metadata);
    }

    /// <summary>The raw bytes of one entry.</summary>
    public static byte[] ReadBytes(string path, SafetensorsEntry entry, long dataStart)
    {
        ArgumentNullException.ThrowIfNull(entry);
        using var file = File.OpenRead(path);
        file.Position = dataStart + entry.Begin;
        var bytes = new byte[entry.End - entry.Begin];
        file.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>
    /// Every tensor of a checkpoint directory (model.safetensors, or the files its index names)
    /// by stored name, with its header entry and raw bytes.
    /// </summary>
    public static IReadOnlyDictionary<string, (SafetensorsEntry Entry, byte[] Data)> ReadDirectory(string directory)
    {
        string index = Path.Combine(directory, TinyCheckpointWriter.IndexFileName);
        IEnumerable<string> files = [TinyCheckpointWriter.SingleFileName];
        if (File.Exists(index))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(index));
            files = doc.RootElement.GetProperty("weight_map").EnumerateObject()
                .Select(p => p.Value.GetString() ?? "").Distinct().ToList();
        }
        var tensors = new Dictionary<string, (SafetensorsEntry, byte[])>(StringComparer.Ordinal);
        foreach (string file in files)
        {
            string path = Path.Combine(directory, file);
            var (entries, dataStart, _) = ReadHeader(path);
            foreach (var entry in entries)
            {
                tensors.Add(entry.Name, (entry, ReadBytes(path, entry, dataStart)));
            }
        }
        return tensors;
    }
}
