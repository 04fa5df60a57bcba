using System.Buffers;

namespace SysopsFast.Grep;

/// <summary>
/// Walks one value with a matcher and hands the selected lines to a sink: the matching lines, or
/// with <c>invert</c> the others. Knows nothing of where the value came from.
/// </summary>
public static class LineSearcher
{
    /// <summary>Searches a contiguous value. Returns the number of selected lines, or -1 if the sink asked to stop.</summary>
    public static long Search(ReadOnlySpan<byte> value, IMatcher matcher, bool invert, IGrepSink sink)
    {
        if (sink.NeedsLineNumbers)
        {
            // The context searcher numbers lines; without limits it selects exactly what this loop does.
            return ContextSearcher.Search(value, matcher, invert, SelectionLimits.None, sink);
        }
        long selected = 0;
        var from = 0;
        while (from < value.Length)
        {
            var found = matcher.FindNextLine(value, from, out var lineStart, out var lineEnd);
            if (invert)
            {
                // Every line between 'from' and the matching line is a non-matching one.
                var stop = found ? lineStart : value.Length;
                while (from < stop)
                {
                    var end = LineBounds.EndOf(value, from);
                    selected++;
                    if (!sink.Matched(value[from..end]))
                    {
                        return -1;
                    }
                    from = end + 1;
                }
            }
            else if (found)
            {
                selected++;
                if (!sink.Matched(value[lineStart..lineEnd]))
                {
                    return -1;
                }
            }
            if (!found)
            {
                break;
            }
            from = lineEnd + 1;
        }
        return selected;
    }

    /// <summary>
    /// Searches a value that may arrive in several segments (a reply that straddles socket buffers):
    /// a single segment is searched where it lies, several are joined in <paramref name="scratch"/> first.
    /// </summary>
    public static long Search(in ReadOnlySequence<byte> value, IMatcher matcher, bool invert, IGrepSink sink, ref byte[] scratch)
    {
        if (value.IsSingleSegment)
        {
            return Search(value.FirstSpan, matcher, invert, sink);
        }
        var length = checked((int)value.Length);
        if (scratch.Length < length)
        {
            if (scratch.Length > 0)
            {
                LargeBuffers.Return(scratch);
            }
            scratch = LargeBuffers.Rent(length);
        }
        value.CopyTo(scratch);
        return Search(scratch.AsSpan(0, length), matcher, invert, sink);
    }
}
