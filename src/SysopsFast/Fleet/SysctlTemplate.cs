using System.Globalization;
using System.Text;

namespace SysopsFast.Fleet;

/// <summary>
/// A <c>sysctl -a</c> of ~1,300 sorted lines built once per fleet: the shared lines are kept as
/// ready-made byte runs, and only the host-specific values are formatted per host.
/// </summary>
internal sealed class SysctlTemplate
{
    private enum Slot { Fixed, Hostname, OsRelease, BootId, Uuid, Entropy, FileNr, DentryState, InodeNr, LastPid, ConntrackCount, PtyNr, NetdevBudget, NetdevBudgetUsecs }

    private readonly (Slot Slot, byte[] Text)[] _segments;

    public SysctlTemplate(ulong seed)
    {
        var rng = SplitMix64.For(seed, 200, 0);
        var lines = new SortedDictionary<string, (Slot, string)>(StringComparer.Ordinal);
        void Fixed(string name, string value) => lines[name] = (Slot.Fixed, value);

        string[] ifaces = ["all", "default", "lo", "eth0", "eth1", "bond0", "docker0"];
        string[] ipv4 = ["accept_local", "accept_redirects", "accept_source_route", "arp_accept", "arp_announce", "arp_filter", "arp_ignore", "arp_notify", "bc_forwarding", "bootp_relay", "disable_policy", "disable_xfrm", "drop_gratuitous_arp", "drop_unicast_in_l2_multicast", "force_igmp_version", "forwarding", "igmpv2_unsolicited_report_interval", "igmpv3_unsolicited_report_interval", "ignore_routes_with_linkdown", "log_martians", "mc_forwarding", "medium_id", "promote_secondaries", "proxy_arp", "proxy_arp_pvlan", "route_localnet", "rp_filter", "secure_redirects", "send_redirects", "shared_media", "src_valid_mark", "tag"];
        string[] ipv6 = ["accept_dad", "accept_ra", "accept_ra_defrtr", "accept_ra_from_local", "accept_ra_min_hop_limit", "accept_ra_mtu", "accept_ra_pinfo", "accept_ra_rt_info_max_plen", "accept_ra_rt_info_min_plen", "accept_ra_rtr_pref", "accept_redirects", "accept_source_route", "addr_gen_mode", "autoconf", "dad_transmits", "disable_ipv6", "disable_policy", "drop_unicast_in_l2_multicast", "drop_unsolicited_na", "enhanced_dad", "force_mld_version", "force_tllao", "forwarding", "hop_limit", "ignore_routes_with_linkdown", "keep_addr_on_down", "max_addresses", "max_desync_factor", "mc_forwarding", "mldv1_unsolicited_report_interval", "mldv2_unsolicited_report_interval", "mtu", "ndisc_notify", "ndisc_tclass", "proxy_ndp", "regen_max_retry", "router_probe_interval", "router_solicitation_delay", "router_solicitation_interval", "router_solicitation_max_interval", "router_solicitations", "seg6_enabled", "suppress_frag_ndisc", "temp_prefered_lft", "temp_valid_lft", "use_oif_addrs_only", "use_tempaddr"];
        string[] neigh = ["anycast_delay", "app_solicit", "base_reachable_time_ms", "delay_first_probe_time", "gc_stale_time", "locktime", "mcast_resolicit", "mcast_solicit", "proxy_delay", "proxy_qlen", "retrans_time_ms", "ucast_solicit", "unres_qlen", "unres_qlen_bytes"];
        foreach (var i in ifaces)
        {
            foreach (var p in ipv4)
            {
                Fixed($"net.ipv4.conf.{i}.{p}", (rng.Below(3) == 0 ? 1 : 0).ToString(CultureInfo.InvariantCulture));
            }
            foreach (var p in ipv6)
            {
                Fixed($"net.ipv6.conf.{i}.{p}", p switch { "mtu" => i == "lo" ? "65536" : "1500", "hop_limit" => "64", "temp_valid_lft" => "604800", "temp_prefered_lft" => "86400", _ => rng.Below(2).ToString(CultureInfo.InvariantCulture) });
            }
            if (i != "all")
            {
                foreach (var p in neigh)
                {
                    Fixed($"net.ipv4.neigh.{i}.{p}", (rng.Below(3000) + 1).ToString(CultureInfo.InvariantCulture));
                    Fixed($"net.ipv6.neigh.{i}.{p}", (rng.Below(3000) + 1).ToString(CultureInfo.InvariantCulture));
                }
            }
        }
        for (var cpu = 0; cpu < 16; cpu++)
        {
            foreach (var p in new[] { "busy_factor", "imbalance_pct", "cache_nice_tries", "max_interval", "min_interval", "flags", "name", "max_newidle_lb_cost" })
            {
                Fixed($"kernel.sched_domain.cpu{cpu}.domain0.{p}", p == "name" ? "MC" : (rng.Below(120) + 1).ToString(CultureInfo.InvariantCulture));
            }
        }
        string[] kernel = ["acct", "acpi_video_flags", "auto_msgmni", "bootloader_type", "bootloader_version", "cad_pid", "cap_last_cap", "core_pattern", "core_pipe_limit", "core_uses_pid", "ctrl-alt-del", "dmesg_restrict", "ftrace_dump_on_oops", "hardlockup_all_cpu_backtrace", "hung_task_check_count", "hung_task_panic", "hung_task_timeout_secs", "io_delay_type", "kexec_load_disabled", "keys.maxbytes", "keys.maxkeys", "kptr_restrict", "max_lock_depth", "modprobe", "modules_disabled", "msgmax", "msgmnb", "msgmni", "nmi_watchdog", "numa_balancing", "osrelease_compat", "overflowgid", "overflowuid", "panic", "panic_on_oops", "perf_cpu_time_max_percent", "perf_event_max_sample_rate", "perf_event_paranoid", "pid_max", "poweroff_cmd", "print-fatal-signals", "printk", "printk_delay", "printk_ratelimit", "printk_ratelimit_burst", "randomize_va_space", "real-root-dev", "sched_autogroup_enabled", "sched_child_runs_first", "sched_rr_timeslice_ms", "sched_rt_period_us", "sched_rt_runtime_us", "sem", "shm_rmid_forced", "shmall", "shmmax", "shmmni", "soft_watchdog", "softlockup_panic", "sysrq", "tainted", "threads-max", "timer_migration", "unknown_nmi_panic", "unprivileged_bpf_disabled", "usermodehelper.bset", "usermodehelper.inheritable", "version", "watchdog", "watchdog_thresh", "yama.ptrace_scope"];
        foreach (var k in kernel)
        {
            Fixed("kernel." + k, k switch { "version" => "#1 SMP PREEMPT_DYNAMIC Mon Apr 8 11:34:54 UTC 2024", "core_pattern" => "|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h", "modprobe" => "/sbin/modprobe", "printk" => "4\t4\t1\t7", "sem" => "32000\t1024000000\t500\t32000", _ => (rng.Below(100000)).ToString(CultureInfo.InvariantCulture) });
        }
        string[] vm = ["admin_reserve_kbytes", "compact_unevictable_allowed", "dirty_background_bytes", "dirty_background_ratio", "dirty_bytes", "dirty_expire_centisecs", "dirty_ratio", "dirty_writeback_centisecs", "dirtytime_expire_seconds", "drop_caches", "extfrag_threshold", "hugetlb_shm_group", "laptop_mode", "legacy_va_layout", "lowmem_reserve_ratio", "max_map_count", "memory_failure_early_kill", "memory_failure_recovery", "min_free_kbytes", "min_slab_ratio", "min_unmapped_ratio", "mmap_min_addr", "nr_hugepages", "nr_hugepages_mempolicy", "nr_overcommit_hugepages", "numa_stat", "numa_zonelist_order", "oom_dump_tasks", "oom_kill_allocating_task", "overcommit_kbytes", "overcommit_memory", "overcommit_ratio", "page-cluster", "panic_on_oom", "percpu_pagelist_high_fraction", "stat_interval", "swappiness", "unprivileged_userfaultfd", "user_reserve_kbytes", "vfs_cache_pressure", "watermark_boost_factor", "watermark_scale_factor", "zone_reclaim_mode"];
        foreach (var v in vm)
        {
            Fixed("vm." + v, v == "swappiness" ? "10" : rng.Below(70000).ToString(CultureInfo.InvariantCulture));
        }
        string[] core = ["bpf_jit_enable", "bpf_jit_harden", "bpf_jit_kallsyms", "busy_poll", "busy_read", "default_qdisc", "dev_weight", "dev_weight_rx_bias", "dev_weight_tx_bias", "flow_limit_cpu_bitmap", "flow_limit_table_len", "max_skb_frags", "message_burst", "message_cost", "netdev_max_backlog", "netdev_rss_key", "netdev_tstamp_prequeue", "optmem_max", "rmem_default", "rmem_max", "rps_sock_flow_entries", "somaxconn", "tstamp_allow_data", "warnings", "wmem_default", "wmem_max", "xfrm_acq_expires", "xfrm_aevent_etime", "xfrm_aevent_rseqth", "xfrm_larval_drop"];
        foreach (var c in core)
        {
            Fixed("net.core." + c, c switch { "default_qdisc" => "fq_codel", "somaxconn" => "4096", "netdev_rss_key" => "4f:1e:9a:2b:6c:0d:3e:5f:7a:8b:9c:ad:be:cf:d0:e1:f2:03:14:25:36:47:58:69:7a:8b:9c:ad:be:cf:d0:e1:f2:03:14:25:36:47:58:69:7a:8b:9c:ad:be:cf:d0:e1:f2:03:14", _ => rng.Below(300000).ToString(CultureInfo.InvariantCulture) });
        }
        string[] ipv4Globals = ["icmp_echo_ignore_all", "icmp_echo_ignore_broadcasts", "icmp_ratelimit", "icmp_ratemask", "igmp_max_memberships", "ip_default_ttl", "ip_dynaddr", "ip_early_demux", "ip_forward", "ip_local_port_range", "ip_local_reserved_ports", "ip_no_pmtu_disc", "ip_nonlocal_bind", "ipfrag_high_thresh", "ipfrag_low_thresh", "ipfrag_max_dist", "ipfrag_time", "tcp_abort_on_overflow", "tcp_adv_win_scale", "tcp_allowed_congestion_control", "tcp_app_win", "tcp_autocorking", "tcp_available_congestion_control", "tcp_base_mss", "tcp_congestion_control", "tcp_dsack", "tcp_early_retrans", "tcp_ecn", "tcp_fack", "tcp_fastopen", "tcp_fin_timeout", "tcp_frto", "tcp_keepalive_intvl", "tcp_keepalive_probes", "tcp_keepalive_time", "tcp_low_latency", "tcp_max_orphans", "tcp_max_syn_backlog", "tcp_max_tw_buckets", "tcp_mem", "tcp_min_tso_segs", "tcp_moderate_rcvbuf", "tcp_mtu_probing", "tcp_no_metrics_save", "tcp_orphan_retries", "tcp_reordering", "tcp_retrans_collapse", "tcp_retries1", "tcp_retries2", "tcp_rfc1337", "tcp_rmem", "tcp_sack", "tcp_slow_start_after_idle", "tcp_stdurg", "tcp_syn_retries", "tcp_synack_retries", "tcp_syncookies", "tcp_timestamps", "tcp_tso_win_divisor", "tcp_tw_reuse", "tcp_window_scaling", "tcp_wmem", "udp_mem", "udp_rmem_min", "udp_wmem_min"];
        foreach (var g in ipv4Globals)
        {
            Fixed("net.ipv4." + g, g switch { "tcp_congestion_control" => "cubic", "ip_local_port_range" => "32768\t60999", "tcp_rmem" => "4096\t131072\t6291456", "tcp_wmem" => "4096\t16384\t4194304", _ => rng.Below(4096).ToString(CultureInfo.InvariantCulture) });
        }
        for (var i = 0; i < 60; i++)
        {
            Fixed($"net.netfilter.nf_conntrack_proto_param_{i:D2}", rng.Below(600).ToString(CultureInfo.InvariantCulture));
        }
        string[] fs = ["aio-max-nr", "aio-nr", "binfmt_misc.status", "dir-notify-enable", "epoll.max_user_watches", "file-max", "inotify.max_queued_events", "inotify.max_user_instances", "inotify.max_user_watches", "lease-break-time", "leases-enable", "mount-max", "mqueue.msg_default", "mqueue.msg_max", "mqueue.msgsize_default", "mqueue.msgsize_max", "mqueue.queues_max", "nr_open", "overflowgid", "overflowuid", "pipe-max-size", "pipe-user-pages-hard", "pipe-user-pages-soft", "protected_fifos", "protected_hardlinks", "protected_regular", "protected_symlinks", "quota.allocated_dquots", "quota.cache_hits", "suid_dumpable", "xfs.error_level", "xfs.filestream_centisecs", "xfs.inherit_noatime", "xfs.irix_sgid_inherit", "xfs.xfssyncd_centisecs"];
        foreach (var f in fs)
        {
            Fixed("fs." + f, rng.Below(1048576).ToString(CultureInfo.InvariantCulture));
        }
        for (var i = 0; i < 24; i++)
        {
            Fixed($"dev.raid.speed_limit_{(i % 2 == 0 ? "max" : "min")}_{i:D2}", rng.Below(200000).ToString(CultureInfo.InvariantCulture));
        }
        lines["kernel.hostname"] = (Slot.Hostname, "");
        lines["kernel.osrelease"] = (Slot.OsRelease, "");
        lines["kernel.random.boot_id"] = (Slot.BootId, "");
        lines["kernel.random.uuid"] = (Slot.Uuid, "");
        lines["kernel.random.entropy_avail"] = (Slot.Entropy, "");
        lines["fs.file-nr"] = (Slot.FileNr, "");
        lines["fs.dentry-state"] = (Slot.DentryState, "");
        lines["fs.inode-nr"] = (Slot.InodeNr, "");
        lines["kernel.ns_last_pid"] = (Slot.LastPid, "");
        lines["net.netfilter.nf_conntrack_count"] = (Slot.ConntrackCount, "");
        lines["kernel.pty.nr"] = (Slot.PtyNr, "");
        lines["net.core.netdev_budget"] = (Slot.NetdevBudget, "");
        lines["net.core.netdev_budget_usecs"] = (Slot.NetdevBudgetUsecs, "");

        // Merge runs of fixed lines into one byte run each; a variable slot keeps "name = " before it.
        var segments = new List<(Slot, byte[])>();
        var run = new StringBuilder();
        foreach (var (name, (slot, value)) in lines)
        {
            if (slot == Slot.Fixed)
            {
                run.Append(name).Append(" = ").Append(value).Append('\n');
                continue;
            }
            run.Append(name).Append(" = ");
            segments.Add((slot, Encoding.UTF8.GetBytes(run.ToString())));
            run.Clear();
        }
        segments.Add((Slot.Fixed, Encoding.UTF8.GetBytes(run.ToString())));
        _segments = segments.ToArray();
    }

    public void Write(TextBuffer b, string host, string kernel, int netdevBudget, int netdevBudgetUsecs, ref SplitMix64 rng)
    {
        foreach (var (slot, text) in _segments)
        {
            b.Add(text);
            switch (slot)
            {
                case Slot.Fixed: continue;
                case Slot.Hostname: b.Add(host.AsSpan(0, host.IndexOf('.', StringComparison.Ordinal)).ToString()); break;
                case Slot.OsRelease: b.Add(kernel); break;
                case Slot.BootId: b.Uuid(ref rng); break;
                case Slot.Uuid: b.Uuid(ref rng); break;
                case Slot.Entropy: b.Add(256 + rng.Below(3840)); break;
                case Slot.FileNr: b.Add(1000 + rng.Below(90000)).Add("\t0\t6553600"u8); break;
                case Slot.DentryState: b.Add(100000 + rng.Below(900000)).Add("\t"u8).Add(50000 + rng.Below(500000)).Add("\t45\t0\t0\t0"u8); break;
                case Slot.InodeNr: b.Add(50000 + rng.Below(500000)).Add("\t"u8).Add(rng.Below(2000)); break;
                case Slot.LastPid: b.Add(1000 + rng.Below(4000000)); break;
                case Slot.ConntrackCount: b.Add(rng.Below(65536)); break;
                case Slot.PtyNr: b.Add(rng.Below(20)); break;
                case Slot.NetdevBudget: b.Add(netdevBudget); break;
                case Slot.NetdevBudgetUsecs: b.Add(netdevBudgetUsecs); break;
            }
            b.Line();
        }
    }
}
