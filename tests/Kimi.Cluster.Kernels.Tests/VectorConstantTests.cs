using System.Reflection;
using System.Runtime.Intrinsics;

namespace Kimi.Cluster.Kernels.Tests;

/// <summary>
/// The kernels' vector constants are properties the JIT must inline into the loops that use them
/// (see IsaKernels' remarks): one it leaves as a call spills every accumulator around each use,
/// which ran the int4 matvec at a quarter of its speed. Inlining cannot be observed from a result,
/// so this holds every such getter to the attribute that forces it.
/// </summary>
public sealed class VectorConstantTests
{
    private static readonly Type[] s_vectorTypes =
        [typeof(Vector128<>), typeof(Vector256<>), typeof(Vector512<>)];

    [Fact]
    public void EveryStaticVectorProperty_IsAggressivelyInlined()
    {
        var properties = typeof(CpuKernels).Assembly.GetTypes()
            .SelectMany(type => type.GetProperties(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(property => property.PropertyType.IsGenericType
                && s_vectorTypes.Contains(property.PropertyType.GetGenericTypeDefinition()))
            .ToList();

        // The AVX2 and AVX-512 paths' masks, nibble tables and FP8 constants: an empty list would
        // mean the search above no longer finds them, not that they are fine.
        Assert.True(properties.Count >= 10, $"found only {properties.Count} vector constants");
        var notInlined = properties
            .Where(property => !property.GetMethod!.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveInlining))
            .Select(property => $"{property.DeclaringType!.Name}.{property.Name}")
            .ToList();
        Assert.Empty(notInlined);
    }
}
