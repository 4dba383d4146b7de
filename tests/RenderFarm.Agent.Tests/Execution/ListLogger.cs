using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace RenderFarm.Agent.Tests.Execution;

/// <summary>Keeps every formatted log message, so tests can look at what the pipeline logged (e.g. ffmpeg's arguments).</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Messages.Enqueue(formatter(state, exception));
}
