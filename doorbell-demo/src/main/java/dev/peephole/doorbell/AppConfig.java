package dev.peephole.doorbell;

/** Settings from the command line. Immutable. */
public final class AppConfig {
    public static final int DEFAULT_HTTP_PORT = 8090;
    public static final int DEFAULT_FPS = 10;
    public static final long DEFAULT_SEED = 42;
    public static final String DEFAULT_BIND = "0.0.0.0";
    public static final int MAX_FPS = 60;

    public static final String USAGE = String.join(System.lineSeparator(),
            "Usage: java -jar doorbell-demo.jar [--http-port 8090] [--fps 10] [--seed 42] [--bind 0.0.0.0] [--help]",
            "",
            "A doorbell security camera: motion detection, face detection and recognition on a",
            "simulated doorstep, with an HTTP API. Runs until stopped (Ctrl-C or SIGTERM).",
            "",
            "  --http-port N   port of the HTTP API, 0 for any free port (default 8090)",
            "  --fps N         camera frames per second, 1 to " + MAX_FPS + " (default 10)",
            "  --seed N        seed of the simulated scene; the same seed gives the same frames (default 42)",
            "  --bind ADDR     address the HTTP API listens on (default 0.0.0.0)",
            "  --help          show this help and exit",
            "",
            "API: GET /api/health, GET /api/events?limit=50&type=STRANGER, GET /api/people");

    private final int httpPort;
    private final int fps;
    private final long seed;
    private final String bindAddress;
    private final boolean help;

    public AppConfig(int httpPort, int fps, long seed, String bindAddress) {
        this(httpPort, fps, seed, bindAddress, false);
    }

    private AppConfig(int httpPort, int fps, long seed, String bindAddress, boolean help) {
        this.httpPort = httpPort;
        this.fps = fps;
        this.seed = seed;
        this.bindAddress = bindAddress;
        this.help = help;
    }

    public static AppConfig defaults() {
        return new AppConfig(DEFAULT_HTTP_PORT, DEFAULT_FPS, DEFAULT_SEED, DEFAULT_BIND);
    }

    /** Parses {@code --name value} and {@code --name=value} options. */
    public static AppConfig parse(String[] args) throws UsageException {
        int port = DEFAULT_HTTP_PORT;
        int fps = DEFAULT_FPS;
        long seed = DEFAULT_SEED;
        String bind = DEFAULT_BIND;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            switch (name) {
                case "--help":
                case "-h":
                    if (value != null) {
                        throw new UsageException("--help takes no value");
                    }
                    help = true;
                    break;
                case "--http-port":
                    if (value == null) {
                        value = next(args, ++i, name);
                    }
                    port = (int) number(name, value, 0, 65535);
                    break;
                case "--fps":
                    if (value == null) {
                        value = next(args, ++i, name);
                    }
                    fps = (int) number(name, value, 1, MAX_FPS);
                    break;
                case "--seed":
                    if (value == null) {
                        value = next(args, ++i, name);
                    }
                    seed = number(name, value, Long.MIN_VALUE, Long.MAX_VALUE);
                    break;
                case "--bind":
                    if (value == null) {
                        value = next(args, ++i, name);
                    }
                    if (value.trim().isEmpty()) {
                        throw new UsageException("--bind needs an address");
                    }
                    bind = value.trim();
                    break;
                default:
                    throw new UsageException("unknown option: " + arg);
            }
        }
        return new AppConfig(port, fps, seed, bind, help);
    }

    private static String next(String[] args, int i, String name) throws UsageException {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new UsageException(name + " needs a value");
        }
        return args[i];
    }

    private static long number(String name, String value, long min, long max) throws UsageException {
        long n;
        try {
            n = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(name + " must be a whole number (got '" + value + "')");
        }
        if (n < min || n > max) {
            throw new UsageException(name + " must be from " + min + " to " + max + " (got " + n + ")");
        }
        return n;
    }

    public int getHttpPort() {
        return httpPort;
    }

    public int getFps() {
        return fps;
    }

    public long getSeed() {
        return seed;
    }

    public String getBindAddress() {
        return bindAddress;
    }

    public boolean isHelp() {
        return help;
    }

    @Override
    public String toString() {
        return "http-port=" + httpPort + " fps=" + fps + " seed=" + seed + " bind=" + bindAddress;
    }
}
