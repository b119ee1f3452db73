using Microsoft.Extensions.Logging;

namespace Kimi.Cluster.Tests.Shared;

/// <summary>Keeps every entry logged (message and exception) so a test can read what an operator would.</summary>
public class RecordingLogger : ILogger
{
    private readonly List<(string Message, Exception? Error)> _entries = [];

    public IReadOnlyList<(string Message, Exception? Error)> Entries
    {
        get { lock (_entries) return [.. _entries]; }
    }

    public IReadOnlyList<string> Messages => [.. Entries.Select(entry => entry.Message)];

    /// <summary>The messages, one per line.</summary>
    public string Text => string.Join(Environment.NewLine, Messages);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        lock (_entries)
            _entries.Add((formatter(state, exception), exception));
    }
}

/// <summary>A <see cref="RecordingLogger"/> for a class's logger.</summary>
public sealed class RecordingLogger<T> : RecordingLogger, ILogger<T>;
