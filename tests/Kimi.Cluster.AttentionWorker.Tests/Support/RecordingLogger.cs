using Microsoft.Extensions.Logging;

namespace Kimi.Cluster.AttentionWorker.Tests.Support;

/// <summary>Keeps every entry logged (message and exception) so a test can read what an operator would.</summary>
public sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly List<(string Message, Exception? Error)> _entries = [];

    public IReadOnlyList<(string Message, Exception? Error)> Entries
    {
        get { lock (_entries) return [.. _entries]; }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        lock (_entries)
            _entries.Add((formatter(state, exception), exception));
    }
}
