using System.Runtime.InteropServices;

namespace SysopsFast.Fleet;

/// <summary>open(2) flags for the no-follow file access of import, push and dump (linux asm/fcntl.h).</summary>
internal static class OpenFlags
{
    public const int ReadOnly = 0;
    public const int WriteOnly = 1;
    public const int Create = 0x40;
    public const int Exclusive = 0x80;
    public const int NoControllingTerminal = 0x100;
    public const int NonBlocking = 0x800;
    public const int CloseOnExec = 0x80000;

    private static readonly bool Arm = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;

    /// <summary>O_DIRECTORY: 040000 on ARM, 0200000 elsewhere.</summary>
    public static readonly int Directory = Arm ? 0x4000 : 0x10000;

    /// <summary>O_NOFOLLOW: 0100000 on ARM, 0400000 elsewhere.</summary>
    public static readonly int NoFollow = Arm ? 0x8000 : 0x20000;
}
