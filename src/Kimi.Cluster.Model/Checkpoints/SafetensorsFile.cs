using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Kimi.Cluster.Model.Checkpoints;

/// <summary>
/// One .safetensors file: the header is parsed at open, tensor bytes are only read when a tensor
/// is read, so a process reads just the tensors it owns. Reads are positional, so threads share it.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private const long MaxHeaderBytes = 100L << 20;
    private readonly SafeFileHandle _handle;
    private readonly long _dataStart;

    public string Path { get; }
    public IReadOnlyDictionary<string, TensorEntry> Tensors { get; }

    public SafetensorsFile(string path)
    {
        Path = path;
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            long length = RandomAccess.GetLength(_handle);
            if (length < 8)
                throw new CheckpointException($"{path}: too short to be a safetensors file ({length} bytes)");
            Span<byte> prefix = stackalloc byte[8];
            RandomAccess.Read(_handle, prefix, 0);
            long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength > MaxHeaderBytes || 8 + headerLength > length)
                throw new CheckpointException($"{path}: header length {headerLength} does not fit in a {length}-byte file");
            var header = new byte[headerLength];
            ReadExactly(header, 8, "the header");
            _dataStart = 8 + headerLength;
            Tensors = ParseHeader(header, length - _dataStart);
        }
        catch
        {
            _handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The raw little-endian bytes of a tensor (chunked: tensors may exceed 2 GiB), read with
    /// positional reads rather than through the mapping: the kernel copies from its page cache
    /// (reading ahead on a cold file) without a page fault per 4 KiB of the source, which made
    /// loading several times slower than reading the file.
    /// </summary>
    public void CopyBytes(TensorEntry entry, long offset, Span<byte> destination)
    {
        if (offset < 0 || offset + destination.Length > entry.ByteLength)
            throw new ArgumentOutOfRangeException(nameof(offset));
        ReadExactly(destination, _dataStart + entry.Begin + offset, $"tensor '{entry.Name}'");
    }

    private void ReadExactly(Span<byte> destination, long position, string what)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(_handle, destination, position);
            if (read == 0)
                throw new CheckpointException($"{Path}: the file ends inside {what}");
            destination = destination[read..];
            position += read;
        }
    }

    private Dictionary<string, TensorEntry> ParseHeader(byte[] header, long dataLength)
    {
        var tensors = new Dictionary<string, TensorEntry>();
        try
        {
            using var document = JsonDocument.Parse(header);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                    continue;
                var value = property.Value;
                long[] offsets = value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var entry = new TensorEntry(property.Name, value.GetProperty("dtype").GetString() ?? "",
                    value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray(), offsets[0], offsets[1]);
                if (entry.Begin < 0 || entry.End < entry.Begin || entry.End > dataLength)
                    throw new CheckpointException($"{Path}: tensor '{entry.Name}' has data offsets [{entry.Begin}, {entry.End}] outside the {dataLength}-byte data section");
                tensors[entry.Name] = entry;
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new CheckpointException($"{Path}: malformed safetensors header: {e.Message}");
        }
        return tensors;
    }

    public void Dispose() => _handle.Dispose();
}
