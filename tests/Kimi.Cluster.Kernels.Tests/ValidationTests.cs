using Kimi.Cluster.Kernels.Isa;

namespace Kimi.Cluster.Kernels.Tests;

public sealed class ValidationTests
{
    [Theory]
    [InlineData(4, 100, 32, "100")]
    [InlineData(4, 96, 48, "48")]
    [InlineData(4, 96, 0, "0")]
    [InlineData(0, 96, 32, "0")]
    public void Int4Shape_RejectsBadSizes_NamingThem(int rows, int columns, int group, string named)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => WeightShape.Int4Group(rows, columns, group));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Int4Shape_WithAShorterLastGroup_HoldsOneScaleAGroupStarted()
    {
        // compressed-tensors' layout for in-features the group does not divide: ⌈96 / 64⌉ = 2 scales a row.
        var shape = WeightShape.Int4Group(4, 96, 64);
        Assert.Equal((4, 2), (shape.ScaleRows, shape.ScaleColumns));
        Assert.Equal(4L * 96 / 2 + 4 * 2 * 2, shape.StoredBytes);
    }

    [Fact]
    public void Fp8Shape_RejectsEmptyBlocks()
    {
        var error = Assert.Throws<ArgumentException>(() => WeightShape.Fp8Block(8, 8, 0, 128));
        Assert.Contains("0x128", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MatMul_RejectsInputsOfTheWrongLength_NamingTheSizes()
    {
        using var kernels = new CpuKernels(new KernelOptions { Threads = 1 });
        using var buffer = new WeightBuffer(WeightShape.BFloat16(3, 16));
        var error = Assert.Throws<ArgumentException>(() => kernels.MatMul(buffer.Matrix, new float[2 * 15], new float[6], 2));
        Assert.Contains("2 tokens × 16 = 32 floats, not 30", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => kernels.MatMul(buffer.Matrix, new float[32], new float[5], 2));
    }

    [Fact]
    public void WeightMatrix_RequiresScalesExactlyWhenTheFormatHasThem()
    {
        Assert.Throws<ArgumentException>(() => new WeightMatrix(WeightShape.Int4Group(1, 32, 32), 64, 0));
        Assert.Throws<ArgumentException>(() => new WeightMatrix(WeightShape.BFloat16(1, 32), 64, 128));
        Assert.Throws<ArgumentException>(() => WeightBuffer.Create(WeightShape.BFloat16(1, 32), new byte[63]));
    }

    [Fact]
    public void ForcingAPathTheCpuLacks_Throws_AndTheOthersStart()
    {
        foreach (var isa in Enum.GetValues<KernelIsa>())
        {
            if (CpuKernels.SupportedIsas.Contains(isa))
            {
                using var kernels = new CpuKernels(new KernelOptions { Isa = isa, Threads = 1 });
                Assert.Equal(isa, kernels.Isa);
                Assert.Contains(isa.ToString(), kernels.Description, StringComparison.Ordinal);
            }
            else
            {
                var error = Assert.Throws<PlatformNotSupportedException>(() => new CpuKernels(new KernelOptions { Isa = isa }));
                Assert.Contains("lacks", error.Message, StringComparison.Ordinal);
            }
        }
        Assert.Contains(KernelIsa.Portable, CpuKernels.SupportedIsas);
    }

    [Fact]
    public void IsaNames_ParseAsTheEnvironmentVariableSpellsThem()
    {
        Assert.Equal(KernelIsa.Avx512, IsaSupport.Parse("avx512"));
        Assert.Equal(KernelIsa.Avx2, IsaSupport.Parse(" AVX2 "));
        Assert.Equal(KernelIsa.Portable, IsaSupport.Parse("portable"));
        Assert.Throws<ArgumentException>(() => IsaSupport.Parse("sse4"));
    }

    [Fact]
    public void EnvironmentVariable_ForcesThePath_WhenNoOptionDoes()
    {
        string? before = Environment.GetEnvironmentVariable(KernelOptions.IsaVariable);
        try
        {
            Environment.SetEnvironmentVariable(KernelOptions.IsaVariable, "portable");
            using var kernels = new CpuKernels(new KernelOptions { Threads = 1 });
            Assert.Equal(KernelIsa.Portable, kernels.Isa);
        }
        finally
        {
            Environment.SetEnvironmentVariable(KernelOptions.IsaVariable, before);
        }
    }
}
