namespace SysopsFast;

/// <summary>
/// An error the user can act on: its message is one sentence that says what went wrong and what to do.
/// Built only by <see cref="Errors"/>, so every message has the same voice.
/// </summary>
public sealed class SysopsFastException : Exception
{
    internal SysopsFastException(string message, Exception? inner = null) : base(message, inner) { }
}
