namespace SysopsFast;

/// <summary>
/// What the user can change to fix an error, without naming how a front end spells it: the library's
/// messages name no command-line flag, and the CLI adds its own wording for each remedy.
/// </summary>
public enum ErrorRemedy
{
    /// <summary>Nothing the user could change would help (or the message says it all).</summary>
    None,

    /// <summary>Check the Redis server addresses given.</summary>
    ServerAddress,

    /// <summary>Accept an answer without the cores that did not answer.</summary>
    AllowPartial,

    /// <summary>Check the host restriction (host list, host glob, Range expression).</summary>
    HostRestriction,

    /// <summary>Check the Range server's address.</summary>
    RangeServer,

    /// <summary>Check the topology file's path.</summary>
    TopologyFile,

    /// <summary>Name the site (or add a local entry to the topology).</summary>
    Site,

    /// <summary>Choose another port.</summary>
    Port,

    /// <summary>Give the push agent's directory of outgoing objects.</summary>
    PushDirectory,

    /// <summary>Give the command to run as name=command.</summary>
    Command,

    /// <summary>Fix the regular expression, or search for literal text.</summary>
    Regex,

    /// <summary>Give a positive host count.</summary>
    HostCount,

    /// <summary>Give the host name to record.</summary>
    HostName,

    /// <summary>Allow objects the deny-list calls sensitive.</summary>
    AllowSensitive,

    /// <summary>Fix the password (SYSOPS_FAST_REDIS_PASSWORD, SYSOPS_FAST_REDIS_PASSWORD_FILE) or the user of the address.</summary>
    Credentials,

    /// <summary>Fix the TLS files: the CA that signs the servers' certificates, the client certificate and its key.</summary>
    Tls,

    /// <summary>The server's ACL refuses a command to this user: grant it, or connect as another user.</summary>
    Permission,
}
