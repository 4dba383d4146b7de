using System.Security.Cryptography;
using System.Threading.Channels;

namespace RenderFarm.Protos.Transfer;

/// <summary>
/// Writes checked chunks to a file and adds them to the file's SHA-256 on a task of its own, so the next
/// chunk is received while earlier ones are written (the write of a chunk and its hashing also run side by
/// side). Chunks are written in the order they are added; each is disposed once written. Nothing is flushed
/// to disk here: the owner flushes once, before it publishes the file.
/// </summary>
public sealed class ChunkFileWriter : IAsyncDisposable
{
    private readonly Channel<PooledChunk> _queue;
    private readonly FileStream _file;
    private readonly IncrementalHash _hash;
    private readonly Task _loop;
    private long _written;

    /// <param name="file">Positioned where the first chunk goes; best opened unbuffered and asynchronous.</param>
    /// <param name="depth">Chunks that may wait to be written.</param>
    public ChunkFileWriter(FileStream file, IncrementalHash hash, int depth = 4)
    {
        _file = file;
        _hash = hash;
        _queue = Channel.CreateBounded<PooledChunk>(new BoundedChannelOptions(depth) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Bytes written to the file and added to the hash.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Whether a write failed: the file and the hash may then hold part of a chunk, so neither can be trusted.</summary>
    public bool Failed => _loop.IsFaulted;

    /// <summary>Queues a chunk whose checksum matched; it is disposed once written.</summary>
    /// <exception cref="TransferWriteException">An earlier write failed.</exception>
    public async ValueTask AddAsync(PooledChunk chunk, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            chunk.Dispose();
            await _loop.ConfigureAwait(false);
            throw;
        }
        catch
        {
            chunk.Dispose();
            throw;
        }
    }

    /// <summary>Waits until every queued chunk is written.</summary>
    /// <exception cref="TransferWriteException">A write failed.</exception>
    public Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        return _loop;
    }

    /// <summary>Writes what is queued (those bytes were checked) and stops; a write failure shows in <see cref="Failed"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (TransferWriteException)
        {
            // Failed says so.
        }

        while (_queue.Reader.TryRead(out var left)) left.Dispose();
    }

    private async Task LoopAsync()
    {
        try
        {
            await foreach (var chunk in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                using (chunk)
                {
                    var data = chunk.Data;
                    var write = _file.WriteAsync(data);
                    _hash.AppendData(data.Span);
                    await write.ConfigureAwait(false);
                    Interlocked.Add(ref _written, data.Length);
                }
            }
        }
        catch (Exception ex)
        {
            _queue.Writer.TryComplete(ex);
            throw new TransferWriteException($"writing {_file.Name} failed at byte {Written}: {ex.Message}", ex);
        }
    }
}
