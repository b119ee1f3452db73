using System.Collections.Concurrent;
using System.Reflection;
using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.Tests.Support;
using TorchSharp;

namespace Kimi.Cluster.Model.Tests.Stress;

/// <summary>
/// No code of the model assembly may turn a number into a TorchSharp Scalar on the fly, neither
/// itself (x.masked_fill(mask, -inf)) nor through a TorchSharp overload that does it inside
/// (x + 1e-6 calls x.add((Scalar)1e-6)): that temporary is garbage as soon as its handle is
/// passed, and its finalizer can free it while libtorch still reads it. Scalars live in fields
/// (disposed with their module) or in a using.
/// </summary>
public sealed class ImplicitScalarTests
{
    private static readonly ConcurrentDictionary<MethodBase, bool> ConvertsInside = new();

    [Fact]
    public void ModelAssembly_MakesNoScalarTemporaries()
    {
        var offenders = ScalarTemporaries(typeof(KimiModel).Assembly);

        Assert.True(offenders.Count == 0, "Scalar temporaries made in: " + string.Join("; ", offenders));
    }

    [Fact]
    public void TheScan_FindsBothKinds_WhereThereAreSome()
    {
        var offenders = ScalarTemporaries(typeof(ImplicitScalarTests).Assembly);

        Assert.Contains(offenders, o => o.Contains(nameof(ConvertsItself), StringComparison.Ordinal));
        Assert.Contains(offenders, o => o.Contains(nameof(ConvertsThroughAnOperator), StringComparison.Ordinal));
        Assert.DoesNotContain(offenders, o => o.Contains(nameof(KeepsItsScalarAlive), StringComparison.Ordinal));
    }

    private static List<string> ScalarTemporaries(Assembly assembly) => IlCallSites.Calls(assembly)
        .Where(c => IsImplicitScalar(c.Callee) || MakesScalarInside(c.Callee))
        .Select(c => $"{c.Caller.DeclaringType?.FullName}.{c.Caller.Name} → {c.Callee.DeclaringType?.Name}.{c.Callee.Name}")
        .Distinct()
        .Order()
        .ToList();

    private static bool IsImplicitScalar(MethodBase method) => method.DeclaringType == typeof(Scalar) && method.Name == "op_Implicit";

    /// <summary>A TorchSharp method taking a number that it converts to a Scalar without keeping it alive.</summary>
    private static bool MakesScalarInside(MethodBase method) =>
        method.DeclaringType?.Assembly == typeof(Scalar).Assembly && !IsImplicitScalar(method)
        && ConvertsInside.GetOrAdd(method, m => IlCallSites.Callees(m).Any(c => IsImplicitScalar(c) || IsTorchSharpOverload(m, c) && MakesScalarInside(c)));

    /// <summary>One overload handing over to another of the same name (add(t) → add(t, alpha: 1)).</summary>
    private static bool IsTorchSharpOverload(MethodBase caller, MethodBase callee) =>
        callee.DeclaringType?.Assembly == typeof(Scalar).Assembly && callee != caller
        && (callee.Name == caller.Name || caller.Name.StartsWith("op_", StringComparison.Ordinal));

    private static torch.Tensor ConvertsItself(torch.Tensor x) => x.masked_fill(x.isnan(), 0.5);

    private static torch.Tensor ConvertsThroughAnOperator(torch.Tensor x) => x + 1e-6;

    private static torch.Tensor KeepsItsScalarAlive(torch.Tensor x, Scalar epsilon, Scalar one) => x.add(epsilon, one);
}
