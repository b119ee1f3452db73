using System.Reflection;
using System.Reflection.Emit;

namespace Kimi.Cluster.Model.Tests.Support;

/// <summary>
/// Lists the methods each method body of an assembly calls, by decoding its IL (the compiler's
/// lambdas, iterators and async state machines included, since they are types of the assembly too).
/// </summary>
internal static class IlCallSites
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!) // every field of OpCodes is an OpCode
        .ToDictionary(o => o.Value);

    private const BindingFlags Everything =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>(caller, callee) for every call, callvirt and newobj in the assembly.</summary>
    public static IEnumerable<(MethodBase Caller, MethodBase Callee)> Calls(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
            {
                foreach (var callee in Callees(method))
                    yield return (method, callee);
            }
        }
    }

    /// <summary>The methods one method body calls.</summary>
    public static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
            yield break;
        int position = 0;
        while (position < il.Length)
        {
            short value = il[position] == 0xFE ? (short)(0xFE00 | il[position + 1]) : il[position];
            var opCode = OpCodesByValue[value];
            position += opCode.Size;
            if (opCode == OpCodes.Call || opCode == OpCodes.Callvirt || opCode == OpCodes.Newobj)
            {
                int token = BitConverter.ToInt32(il, position);
                MethodBase? callee = null;
                try
                {
                    callee = method.Module.ResolveMethod(token,
                        method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null,
                        method.IsGenericMethod ? method.GetGenericArguments() : null);
                }
                catch (ArgumentException)
                {
                    // A call into a generic instantiation this context cannot resolve: not a Scalar conversion.
                }
                if (callee is not null)
                    yield return callee;
            }
            position += OperandSize(opCode, il, position);
        }
    }

    private static int OperandSize(OpCode opCode, byte[] il, int position) => opCode.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, position),
        _ => 4,
    };
}
