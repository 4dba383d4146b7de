using System.Runtime.InteropServices;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>
/// An attacker inside the media root: exchanges pairs of names (a real file or folder and a link, or a file and a
/// FIFO) atomically (<c>renameat2</c> with <c>RENAME_EXCHANGE</c>) in a tight loop on a thread of its own, so every
/// lookup of either name may see either. Names that do not exist (yet) are skipped. <see cref="StopAsync"/> leaves
/// every pair as it was at the start.
/// </summary>
public sealed partial class LinkSwapper : IAsyncDisposable
{
    private const int AtFdCwd = -100;
    private const uint RenameExchange = 2;
    private readonly List<(string A, string B, double Share)> _pairs = [];
    private readonly Dictionary<(string, string), bool> _swapped = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly Random _random = new(20261207);

    public LinkSwapper()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "link swapper" };
        _thread.Start();
    }

    /// <summary>Exchanges done so far.</summary>
    public long Swaps => Interlocked.Read(ref _swaps);

    private long _swaps;

    /// <param name="a">The real name (as the job was checked with it).</param>
    /// <param name="b">The link (or FIFO) exchanged with it.</param>
    /// <param name="linkShare">About how much of the time <paramref name="a"/> names the link: 0.5 takes turns evenly,
    /// 0.9 keeps the link in place most of the time, as an attacker who swapped once after the check would.</param>
    public void Add(string a, string b, double linkShare = 0.5)
    {
        lock (_gate) _pairs.Add((a, b, linkShare));
    }

    /// <summary>Stops swapping and puts every pair back the way it was added.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        _thread.Join();
        lock (_gate)
        {
            foreach (var pair in _pairs.Where(p => _swapped.GetValueOrDefault((p.A, p.B)))) Exchange(pair.A, pair.B);
            _swapped.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _stop.Dispose();
    }

    private void Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            (string A, string B, double Share)[] pairs;
            lock (_gate) pairs = [.. _pairs];
            if (pairs.Length == 0)
            {
                Thread.Sleep(1);
                continue;
            }

            // Each round puts every pair in the link state with its share's chance and in the real state otherwise, so
            // each name flips many times a second, and for its share of the time names the link (or FIFO).
            foreach (var pair in pairs)
            {
                var linked = _random.NextDouble() < pair.Share;
                bool now;
                lock (_gate) now = _swapped.GetValueOrDefault((pair.A, pair.B));
                if (now != linked) Flip((pair.A, pair.B));
            }

            Thread.SpinWait(_random.Next(256));
            Thread.Yield();
        }
    }

    private bool Flip((string A, string B) pair)
    {
        lock (_gate)
        {
            if (!Exchange(pair.A, pair.B)) return false;
            _swapped[pair] = !_swapped.GetValueOrDefault(pair);
        }

        Interlocked.Increment(ref _swaps);
        return true;
    }

    private static bool Exchange(string a, string b) => RenameAt2(AtFdCwd, a, AtFdCwd, b, RenameExchange) == 0;

    [LibraryImport("libc", EntryPoint = "renameat2", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);
}
