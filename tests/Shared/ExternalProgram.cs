using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Kimi.Cluster.Tests.Shared;

/// <summary>
/// Runs the programs the tests compare against or drive (the Python cross-checks, node, go, npm),
/// and finds what they need: the repository root and a python3 that has a given module.
/// </summary>
public static class ExternalProgram
{
    /// <summary>The folder of Kimi.Cluster.sln, found above the test binaries.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>tests/crosscheck/<paramref name="name"/>.</summary>
    public static string CrossCheckScript(string name) => Path.Combine(RepositoryRoot, "tests", "crosscheck", name);

    /// <summary>
    /// Runs <paramref name="program"/> to its end and returns its exit code and output; kills it and
    /// throws a <see cref="TimeoutException"/> past <paramref name="timeout"/>. A program that is not
    /// installed throws <see cref="Win32Exception"/>.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string program, IEnumerable<string> arguments, string directory, TimeSpan timeout, string? standardInput = null)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardInput = standardInput is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        if (standardInput is not null)
            startInfo.StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        foreach (string argument in arguments)
            startInfo.ArgumentList.Add(argument);
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{program} did not start");
        // Read both streams from the start: a program that fills a pipe nobody reads never exits.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            if (standardInput is not null)
            {
                await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellation.Token);
                process.StandardInput.Close();
            }
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} ran past {timeout}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>True when <paramref name="program"/> is installed and answers <paramref name="probeArguments"/> with exit code 0.</summary>
    public static async Task<bool> AnswersAsync(string program, params string[] probeArguments)
    {
        try
        {
            return (await RunAsync(program, probeArguments, RepositoryRoot, TimeSpan.FromSeconds(60))).ExitCode == 0;
        }
        catch (Win32Exception)
        {
            return false; // not on PATH
        }
    }

    /// <summary>
    /// The first of Debian's /usr/bin/python3 (what CI installs into) and a python3 on PATH that can
    /// import <paramref name="module"/>; null when neither can.
    /// </summary>
    public static async Task<string?> FindPythonAsync(string module)
    {
        foreach (string candidate in new[] { "/usr/bin/python3", "python3" })
        {
            if (await AnswersAsync(candidate, "-c", $"import {module}"))
                return candidate;
        }
        return null;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Kimi.Cluster.sln")))
                return directory.FullName;
        }
        throw new DirectoryNotFoundException($"the repository root (Kimi.Cluster.sln) was not found above {AppContext.BaseDirectory}");
    }
}
