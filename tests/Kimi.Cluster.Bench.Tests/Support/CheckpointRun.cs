using Kimi.Cluster.Bench.Cli;

namespace Kimi.Cluster.Bench.Tests.Support;

/// <summary>Runs `checkpoint` through the command line, as a user would, and reads back what it wrote.</summary>
internal static class CheckpointRun
{
    public static async Task<int> InvokeAsync(params string[] args) => await BenchCommand.Create().Parse(args).InvokeAsync();

    /// <summary>Writes and asserts success; returns the listing of each safetensors file, by file name.</summary>
    public static async Task<Dictionary<string, SafetensorsListing>> WriteAsync(string directory, params string[] args)
    {
        Assert.Equal(0, await InvokeAsync(args));
        return Directory.GetFiles(directory, "*.safetensors").ToDictionary(path => new FileInfo(path).Name, SafetensorsListing.Read);
    }

    public static float Bf16(ReadOnlySpan<byte> data, int index) =>
        BitConverter.Int32BitsToSingle(BitConverter.ToUInt16(data.Slice(index * 2, 2)) << 16);

    /// <summary>E4M3FN: bias 7, subnormals at exponent 0, 0x7F/0xFF NaN.</summary>
    public static float Fp8(byte code)
    {
        int exponent = (code >> 3) & 15, mantissa = code & 7;
        float magnitude = (code & 0x7F) == 0x7F ? float.NaN
            : exponent == 0 ? mantissa / 512f
            : (8 + mantissa) / 8f * MathF.Pow(2, exponent - 7);
        return (code & 0x80) == 0 ? magnitude : -magnitude;
    }

    public static double Std(IReadOnlyCollection<double> values)
    {
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count);
    }
}
