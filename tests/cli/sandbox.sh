# Sourced inside `unshare -n` by the CLI tests: loopback up, a veth pair whose far end
# (198.18.9.2, a permanent fake neighbour) silently swallows every packet, and a TCP listener on
# 127.0.0.1:18081 (its PID in $listener). Needs $pw (a portwarden binary) to wait for the listener.
ip link set lo up
ip link add pwsink0 type veth peer name pwsink1
ip addr add 198.18.9.1/24 dev pwsink0
ip link set pwsink0 up && ip link set pwsink1 up
ip neigh replace 198.18.9.2 lladdr 02:00:00:00:00:02 dev pwsink0 nud permanent
python3 -c '
import signal, socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 18081)); s.listen(64)
signal.pause()' &
listener=$!
for _ in $(seq 50); do "$pw" probe 127.0.0.1:18081 --timeout 100ms >/dev/null 2>&1 && break; sleep 0.1; done
