

# This lesson's lab runs in a network namespace of its own: its own
# loopback, MTU 1500 with TSO/GSO off (segments the size a real network's
# are), and its own counters and settings. So does this program: it starts
# itself again under `unshare` and sets its loopback up the same way.
# Where that cannot be done, it runs on the machine's loopback (MTU 65536,
# segments up to 64 KiB) and says so: buffer fills, windows and segment
# counts then differ from the lesson's, and settings are not changed.
OWN_NETNS = os.environ.get("SOCKPLAY_OWN_NETNS") == "1"


def _own_namespace():
    if OWN_NETNS:
        # SIOCSIFMTU on lo, then TSO and GSO off where ethtool is found.
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        fcntl.ioctl(s, 0x8922, struct.pack("16si", b"lo", 1500))
        s.close()
        try:
            subprocess.run(["ethtool", "-K", "lo", "tso", "off", "gso", "off"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            print("# ethtool not found: lo keeps TSO/GSO, so segments may be larger than the lesson's", file=sys.stderr)
        return
    flag = "-n" if os.geteuid() == 0 else "-rn"
    probe = subprocess.run(["unshare", flag, "ip", "link", "set", "lo", "up"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if probe.returncode != 0 or not os.path.isfile(sys.argv[0]):
        print("# no network namespace of its own (not root, user namespaces refused, or the program "
              "is not a file): it runs on the machine's loopback, and its results differ from the lesson's",
              file=sys.stderr)
        return
    env = dict(os.environ, SOCKPLAY_OWN_NETNS="1")
    script = "ip link set lo up && exec \"$0\" \"$@\""
    sys.stdout.flush()
    os.execvpe("unshare", ["unshare", flag, "sh", "-c", script, sys.executable] + sys.argv, env)


_own_namespace()
