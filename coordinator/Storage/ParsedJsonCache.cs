using Google.Protobuf;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// Messages parsed from stored JSON, by their exact text. A job's spec and a task's assignment are written once and
/// read many times (claim, completion, the job's rollup, every view of the job), and parsing protobuf JSON costs far
/// more than hashing the text: a text seen recently is parsed once. Each caller gets its own copy (a clone), so a
/// caller that changes its message never changes what others read. Bounded: two generations of at most
/// <c>capacity</c> texts each; when the newer one fills, the older one is dropped, so texts read again stay and the
/// rest go.
/// </summary>
internal sealed class ParsedJsonCache<T>(int capacity) where T : IMessage<T>, new()
{
    private readonly Lock _gate = new();
    private Dictionary<string, T> _current = new(StringComparer.Ordinal);
    private Dictionary<string, T> _previous = new(StringComparer.Ordinal);

    public T Parse(string json)
    {
        T? parsed;
        lock (_gate)
        {
            if (!_current.TryGetValue(json, out parsed) && _previous.TryGetValue(json, out parsed)) Keep(json, parsed);
        }

        if (parsed is null)
        {
            parsed = JsonParser.Default.Parse<T>(json);
            lock (_gate) Keep(json, parsed);
        }

        return parsed.Clone();
    }

    private void Keep(string json, T parsed)
    {
        if (_current.Count >= capacity)
        {
            _previous = _current;
            _current = new Dictionary<string, T>(StringComparer.Ordinal);
        }

        _current[json] = parsed;
    }
}
