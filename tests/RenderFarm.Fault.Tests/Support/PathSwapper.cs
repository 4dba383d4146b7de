using System.Runtime.InteropServices;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>
/// An attacker with write access to the media root: swaps a path (a folder or a file) with a link to a folder or
/// file outside every root, back and forth in a tight loop (a few hundred swaps a second), each swap atomic
/// (<c>renameat2</c> with <c>RENAME_EXCHANGE</c> between the path and a link beside it). When something replaces the link (an output
/// published over it), a new one is made. <see cref="DisposeAsync"/> stops with the real thing back at its path.
/// </summary>
public sealed partial class PathSwapper : IAsyncDisposable
{
    private const uint RenameExchange = 2;
    private readonly string _path;
    private readonly string _spare;
    private readonly string _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _swaps;
    private bool _swapped;

    /// <param name="path">The path jobs name (it must exist).</param>
    /// <param name="target">Where the link leads: outside every media root.</param>
    public PathSwapper(string path, string target)
    {
        _path = path;
        _spare = path + ".swap";
        _target = target;
        File.CreateSymbolicLink(_spare, target);
        _loop = Task.Factory.StartNew(Loop, TaskCreationOptions.LongRunning);
    }

    /// <summary>Swaps made so far (each one a moment where the path led outside, or back).</summary>
    public long Swaps => Interlocked.Read(ref _swaps);

    private void Loop()
    {
        var random = new Random(7);
        while (!_stop.IsCancellationRequested)
        {
            Swap();
            // The real thing stays 1-3 ms; the link mostly microseconds or a millisecond, so most opens see the real thing
            // and jobs get far enough to publish, with the link landing between their checks and their uses; now and
            // then the link stays 100-400 ms, long enough for every later open of a job (probe, ffmpeg) to go through it.
            var dice = random.Next(1000);
            if (!_swapped) Thread.Sleep(random.Next(1, 4));
            else if (dice < 3) Thread.Sleep(random.Next(100, 400));
            else if (dice < 250) Thread.Sleep(1);
            else Thread.SpinWait(random.Next(500, 5000));
        }

        // The real thing back at its path, whatever publishing did to the names meanwhile.
        if (IsLink(_path) && !IsLink(_spare)) RenameAt2(-100, _path, -100, _spare, RenameExchange);
    }

    private void Swap()
    {
        if (!IsLink(_path) && !IsLink(_spare))
        {
            // An output was published over the link: the real file stays at the path, a new link is the spare.
            File.Delete(_spare);
            File.CreateSymbolicLink(_spare, _target);
            _swapped = false;
        }

        if (RenameAt2(-100, _path, -100, _spare, RenameExchange) != 0) return;
        _swapped = !_swapped;
        Interlocked.Increment(ref _swaps);
    }

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        File.Delete(_spare);
        _stop.Dispose();
    }

    [DllImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    private static extern int RenameAt2(
        int olddirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldpath, int newdirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string newpath, uint flags);
}
