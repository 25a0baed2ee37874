# The Python peer of bench/stability.mjs: what a JACK-Client (Debian's
# python3-jack-client) user writes: a NumPy gain of 0.5 from
# system:capture_1 to system:playback_1 in the process callback. Times the
# callback's body (time.perf_counter_ns; the cffi entry, and any wait for
# the GIL before it, are not in it) into a preallocated array, counts xruns
# from one second after it connects until `seconds` later (the ones the
# busy loop delayed are counted after it), while the main thread
# sleeps (idle) or runs a pure-Python loop that allocates (busy). Writes the
# times (uint32 ns per cycle) and prints { cycles, xruns, seconds }.
#   /usr/bin/python3 stability.py <server> <client-name> <seconds> <times-file> idle|busy
import json
import random
import sys
import threading
import time

import jack
import numpy

server, name, seconds, times_file, mode = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
times = numpy.zeros(int((seconds + 10) * 48000 / 16), dtype=numpy.uint32)
state = {'cycles': 0, 'xruns': 0, 'counting': False}

client = jack.Client(name, servername=server, no_start_server=True)
inp = client.inports.register('in')
out = client.outports.register('out')


@client.set_process_callback
def process(frames):
    t0 = time.perf_counter_ns()
    out.get_array()[:] = inp.get_array() * numpy.float32(0.5)
    c = state['cycles']
    if c < len(times):
        times[c] = time.perf_counter_ns() - t0
    state['cycles'] = c + 1


@client.set_xrun_callback
def xrun(delay):
    if state['counting']:
        state['xruns'] += 1


client.activate()
client.connect('system:capture_1', inp)
client.connect(out, 'system:playback_1')
time.sleep(1)
state['counting'] = True
end = time.monotonic() + seconds
if mode == 'busy':
    # The same loop as the jackwasm peer's: batches replace random ones of 2000 kept.
    keep = [None] * 2000
    while time.monotonic() < end:
        keep[random.randrange(2000)] = [{'i': i, 's': str(i), 'a': [i] * 8} for i in range(200)]
else:
    time.sleep(seconds)
client.deactivate()
# xrun callbacks need the GIL: the ones the busy loop held up run now.
time.sleep(1)
n = min(state['cycles'], len(times))
times[:n].tofile(times_file)
print(json.dumps({'cycles': n, 'xruns': state['xruns'], 'seconds': seconds}))
client.close()
