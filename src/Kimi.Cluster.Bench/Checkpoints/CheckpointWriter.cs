using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kimi.Cluster.Bench.Checkpoints;

/// <summary>
/// Writes a spec's checkpoint into a directory: config.json, the safetensors files and, when there
/// is more than one, model.safetensors.index.json. Streams: memory stays at one buffer and the
/// headers, whatever the checkpoint's size.
/// </summary>
public static class CheckpointWriter
{
    private const int BufferBytes = 1 << 20;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static CheckpointSummary Write(CheckpointSpec spec, string directory, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (spec.Problem() is { } problem)
            throw new ArgumentException(problem, nameof(spec));
        // Tensors are filled through spans of the native element types; safetensors is little-endian.
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("writing safetensors needs a little-endian machine");
        var stopwatch = Stopwatch.StartNew();
        var tensors = CheckpointLayout.Plan(spec);
        var shards = CheckpointShard.Split(tensors, spec.ShardBytes);
        Directory.CreateDirectory(directory);
        RemoveModelFiles(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), KimiConfigJson.Create(spec).ToJsonString(Indented) + "\n");
        var buffer = new byte[BufferBytes];
        long fileBytes = 0;
        foreach (var shard in shards)
            fileBytes += WriteShard(Path.Combine(directory, shard.FileName), shard, spec.Seed, buffer, cancellation);
        if (shards.Count > 1)
            WriteIndex(Path.Combine(directory, "model.safetensors.index.json"), shards);
        return CheckpointSummary.Of(spec, tensors, shards.Count, fileBytes, stopwatch.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// A previous run's shards or index would be read with the new ones (the loader globs
    /// *.safetensors when there is no index), so they go first.
    /// </summary>
    private static void RemoveModelFiles(string directory)
    {
        foreach (string stale in Directory.EnumerateFiles(directory, "model*.safetensors"))
            File.Delete(stale);
        File.Delete(Path.Combine(directory, "model.safetensors.index.json"));
    }

    private static long WriteShard(string path, CheckpointShard shard, ulong seed, byte[] buffer, CancellationToken cancellation)
    {
        byte[] header = SafetensorsHeader.Build(shard.Tensors);
        long length = header.Length + shard.DataBytes;
        // Writes larger than the stream's buffer go straight to the file; the buffer batches the small tensors.
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            BufferSize = 1 << 16,
            PreallocationSize = length,
        });
        stream.Write(header);
        foreach (var tensor in shard.Tensors)
        {
            cancellation.ThrowIfCancellationRequested();
            RandomTensorData.Write(stream, tensor, seed, buffer);
        }
        return length;
    }

    private static void WriteIndex(string path, IReadOnlyList<CheckpointShard> shards)
    {
        var weightMap = new JsonObject();
        foreach (var shard in shards)
        {
            foreach (var tensor in shard.Tensors)
                weightMap[tensor.Name] = shard.FileName;
        }
        var index = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = shards.Sum(s => s.DataBytes) },
            ["weight_map"] = weightMap,
        };
        File.WriteAllText(path, index.ToJsonString(Indented) + "\n");
    }
}
