using System.CommandLine;

namespace Kimi.Cluster.Tests.Shared;

/// <summary>
/// Command lines that give every numeric option of a program a value that is not a number, for
/// checking that each ends in the parser's error rather than an exception from a validator.
/// </summary>
public static class CommandLineProbe
{
    /// <summary>The text given to each option.</summary>
    public const string NotANumber = "x";

    private static readonly HashSet<Type> Numbers =
        [typeof(int), typeof(long), typeof(short), typeof(uint), typeof(ulong), typeof(float), typeof(double), typeof(decimal)];

    /// <summary>
    /// Parses [subcommand…, --option, x] for every numeric option of the program's command and its
    /// subcommands, each with a fresh command from <paramref name="create"/>. Returns how many were
    /// tried and what went wrong: an exception, or no error naming the text.
    /// </summary>
    public static (int Tried, List<string> Problems) NumericOptionsGivenText(Func<Command> create)
    {
        var problems = new List<string>();
        var cases = Walk(create(), []).ToList();
        foreach (string[] args in cases)
        {
            string line = string.Join(" ", args);
            try
            {
                var result = create().Parse(args);
                if (!result.Errors.Any(error => error.Message.Contains($"'{NotANumber}'", StringComparison.Ordinal)))
                    problems.Add($"{line}: no error names '{NotANumber}' ({string.Join("; ", result.Errors.Select(error => error.Message))})");
            }
            catch (Exception error)
            {
                problems.Add($"{line}: {error.GetType().Name}: {error.Message}");
            }
        }
        return (cases.Count, problems);
    }

    private static IEnumerable<string[]> Walk(Command command, string[] path)
    {
        foreach (var option in command.Options)
        {
            var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
            if (Numbers.Contains(type))
                yield return [.. path, option.Name, NotANumber];
        }
        foreach (var subcommand in command.Subcommands)
        {
            foreach (var args in Walk(subcommand, [.. path, subcommand.Name]))
                yield return args;
        }
    }
}
