using System.CommandLine.Parsing;
using System.Diagnostics.CodeAnalysis;

namespace Kimi.Cluster.ServiceDefaults;

/// <summary>
/// An option's value as a validator should read it. System.CommandLine runs an option's validators
/// even when its token did not convert (`--port x`), and <c>GetValueOrDefault</c> then throws
/// instead of returning: the process died with an unhandled exception where the parser's own
/// "Cannot parse argument 'x' for option '--port'" belonged. A validator checks only values that
/// converted; the parser reports the rest.
/// </summary>
public static class OptionValues
{
    /// <summary>
    /// The converted value of <paramref name="result"/> (its default where the option was not
    /// given); false when the option is absent from the command line's result or its token does not
    /// convert to <typeparamref name="T"/>.
    /// </summary>
    public static bool TryGetValue<T>(this OptionResult? result, [MaybeNullWhen(false)] out T value)
    {
        value = default;
        if (result is null)
            return false;
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            // The library has no non-throwing read of a failed conversion; its error stays in the
            // parse result and is what the user sees.
            return false;
        }
    }

    /// <summary>
    /// For command validators, where an option left out has no result yet: <paramref name="fallback"/>
    /// (its default) when <paramref name="result"/> is null; false only when the option's token
    /// does not convert.
    /// </summary>
    public static bool TryGetValueOr<T>(this OptionResult? result, T fallback, out T value)
    {
        if (result is null)
        {
            value = fallback;
            return true;
        }
        bool converted = result.TryGetValue(out T? read);
        value = converted ? read! : fallback;
        return converted;
    }
}
