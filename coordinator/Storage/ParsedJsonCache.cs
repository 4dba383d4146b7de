using System.Collections.Concurrent;
using Google.Protobuf;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// Messages parsed from stored JSON, by their exact text. A job's spec and a task's assignment are written once and
/// read many times (claim, completion, the job's rollup, every view of the job), and parsing protobuf JSON costs far
/// more than hashing the text: a text seen recently is parsed once. Each caller gets its own copy (a clone), so a
/// caller that changes its message never changes what others read; the kept message is only ever read.
/// <para>
/// Bounded and lock-free: two generations of about <c>capacity</c> texts each. When the newer one fills, it becomes
/// the older and the older is dropped; a text found in the older generation moves to the newer, so texts read again
/// stay and the rest go.
/// </para>
/// </summary>
internal sealed class ParsedJsonCache<T>(int capacity) where T : IMessage<T>, new()
{
    private volatile Generation _current = new();
    private volatile Generation _previous = new();

    public T Parse(string json)
    {
        var current = _current;
        if (!current.Entries.TryGetValue(json, out var parsed))
        {
            if (!_previous.Entries.TryGetValue(json, out parsed)) parsed = JsonParser.Default.Parse<T>(json);
            Keep(current, json, parsed);
        }

        return parsed.Clone();
    }

    private void Keep(Generation current, string json, T parsed)
    {
        if (!current.Entries.TryAdd(json, parsed) || Interlocked.Increment(ref current.Count) != capacity) return;
        // Exactly one caller fills the generation: it turns it into the older one.
        _previous = current;
        _current = new Generation();
    }

    private sealed class Generation
    {
        public readonly ConcurrentDictionary<string, T> Entries = new(StringComparer.Ordinal);
        public int Count;
    }
}
