# Weight files for the golden diagnostics (run with /usr/bin/python3 from tests/diag).
import numpy as np
w = np.arange(8, dtype=np.float32).reshape(2, 4) / 8
np.save('data/w24.npy', w)
bad = w.copy(); bad[1, 2] = np.nan
np.save('data/nan.npy', bad)
inf = np.ones(2, dtype=np.float64); inf[1] = np.inf
np.save('data/inf_bias.npy', inf)
np.savez('data/pair.npz', **{'fc.weight': w, 'fc.bias': np.zeros(2, np.float32)})
open('data/garbage.npy', 'wb').write(b'\x93NUMPY\x01\x00\xff\xff{garbage')
