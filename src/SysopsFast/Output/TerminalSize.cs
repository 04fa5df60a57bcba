using System.Runtime.InteropServices;

namespace SysopsFast.Output;

/// <summary>
/// The width of the terminal on a descriptor, asked of the kernel (TIOCGWINSZ). Console.WindowWidth
/// would do it too, but on Unix it first initialises the console, which switches the terminal's
/// keypad mode (writes ESC[?1h ESC=) in a program that never reads the keyboard.
/// </summary>
public static partial class TerminalSize
{
    /// <summary>TIOCGWINSZ on Linux (x86-64 and arm64 alike).</summary>
    private const nuint GetWindowSize = 0x5413;

    [StructLayout(LayoutKind.Sequential)]
    private struct WindowSize
    {
        public ushort Rows;
        public ushort Columns;
        public ushort XPixels;
        public ushort YPixels;
    }

    /// <summary>Columns of the terminal on <paramref name="descriptor"/>; null when it is no terminal (or not Linux).</summary>
    public static int? Columns(int descriptor) =>
        OperatingSystem.IsLinux() && Ioctl(descriptor, GetWindowSize, out var size) == 0 && size.Columns > 0 ? size.Columns : null;

    [LibraryImport("libc", EntryPoint = "ioctl")]
    private static partial int Ioctl(int descriptor, nuint request, out WindowSize size);
}
