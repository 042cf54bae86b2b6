/* wfile_json: a small strict JSON reader, enough for a safetensors header.
 * Blanks and punctuation go through the shared cursor (wf_cur_ws, wf_cur_eat). */
#include "wfile_int.h"
#include <string.h>

enum { JSON_MAX_DEPTH = 64 };

int wf_json_fail(wf_json *j, const char *what)
{
    return wf_fail(j->c, "bad safetensors header: %s at JSON offset %zu", what, j->k.i);
}

static int hex4(const unsigned char *s, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        int ch = s[i], d;
        if (ch >= '0' && ch <= '9') d = ch - '0';
        else if (ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
        else if (ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
        else return -1;
        *v = *v << 4 | (unsigned)d;
    }
    return 0;
}

static size_t put_utf8(unsigned char *o, unsigned long cp)
{
    if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xc0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xe0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (unsigned char)(0xf0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

/* The character a one-letter escape such as \n stands for, or 0. */
static unsigned char simple_escape(unsigned char esc)
{
    switch (esc) {
    case '"': return '"';
    case '\\': return '\\';
    case '/': return '/';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return 0;
    }
}

/* A JSON string. With out, it is decoded into the arena (the decoded form is
 * never longer than the escaped one) and may not contain U+0000, since it
 * becomes a C string; without out it is only validated. */
int wf_json_string(wf_json *j, const char **out)
{
    wf_cur_ws(&j->k);
    if (j->k.i >= j->k.n || j->k.s[j->k.i] != '"') return wf_json_fail(j, "expected a string");
    size_t b = ++j->k.i, e = b;
    while (e < j->k.n && j->k.s[e] != '"') e += j->k.s[e] == '\\' ? 2 : 1;
    if (e >= j->k.n) return wf_json_fail(j, "unterminated string");
    unsigned char *o = out ? ar_alloc(j->c->a, e - b + 1) : NULL;
    size_t k = 0;
    while (j->k.i < e) {
        unsigned char ch = j->k.s[j->k.i];
        if (ch < 0x20) return wf_json_fail(j, "control character in string");
        if (ch != '\\') {
            if (o) o[k] = ch;
            k++;
            j->k.i++;
            continue;
        }
        unsigned char esc = j->k.s[j->k.i + 1];   /* in bounds: e skipped it */
        unsigned char plain = simple_escape(esc);
        if (plain) {
            if (o) o[k] = plain;
            k++;
            j->k.i += 2;
            continue;
        }
        if (esc != 'u') return wf_json_fail(j, "bad escape in string");
        unsigned hi, lo;
        unsigned long cp;
        if (e - j->k.i < 6 || hex4(j->k.s + j->k.i + 2, &hi))
            return wf_json_fail(j, "bad \\u escape");
        j->k.i += 6;
        if (hi >= 0xdc00 && hi <= 0xdfff)
            return wf_json_fail(j, "lone low surrogate in \\u escape");
        if (hi >= 0xd800 && hi <= 0xdbff) {
            if (e - j->k.i < 6 || j->k.s[j->k.i] != '\\' || j->k.s[j->k.i + 1] != 'u' ||
                hex4(j->k.s + j->k.i + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
                return wf_json_fail(j, "unpaired high surrogate in \\u escape");
            j->k.i += 6;
            cp = 0x10000 + ((unsigned long)(hi - 0xd800) << 10) + (lo - 0xdc00);
        } else {
            cp = hi;
        }
        if (o && cp == 0) return wf_json_fail(j, "\\u0000 in a name");
        if (o) k += put_utf8(o + k, cp);
        else k++;
    }
    j->k.i = e + 1;
    if (o) {
        o[k] = 0;
        *out = (const char *)o;
    }
    return 0;
}

/* A JSON number, by the grammar. *v gets its value when it is a
 * non-negative integer that fits in 63 bits; *is_uint says whether it was. */
static int jnumber(wf_json *j, uint64_t *v, int *is_uint)
{
    wf_cur_ws(&j->k);
    const unsigned char *s = j->k.s;
    size_t i = j->k.i;
    int neg = 0, frac = 0, overflow = 0;
    uint64_t x = 0;
    if (i < j->k.n && s[i] == '-') neg = 1, i++;
    if (i >= j->k.n || s[i] < '0' || s[i] > '9') return wf_json_fail(j, "expected a value");
    if (s[i] == '0') {
        i++;
    } else {
        while (i < j->k.n && s[i] >= '0' && s[i] <= '9') {
            unsigned d = s[i++] - '0';
            if (x > ((uint64_t)INT64_MAX - d) / 10) overflow = 1;
            else x = x * 10 + d;
        }
    }
    if (i < j->k.n && s[i] == '.') {
        frac = 1;
        if (++i >= j->k.n || s[i] < '0' || s[i] > '9') return wf_json_fail(j, "bad number");
        while (i < j->k.n && s[i] >= '0' && s[i] <= '9') i++;
    }
    if (i < j->k.n && (s[i] == 'e' || s[i] == 'E')) {
        frac = 1;
        i++;
        if (i < j->k.n && (s[i] == '+' || s[i] == '-')) i++;
        if (i >= j->k.n || s[i] < '0' || s[i] > '9') return wf_json_fail(j, "bad number");
        while (i < j->k.n && s[i] >= '0' && s[i] <= '9') i++;
    }
    j->k.i = i;
    *v = x;
    *is_uint = !neg && !frac && !overflow;
    return 0;
}

int wf_json_uint(wf_json *j, uint64_t *v)
{
    int ok;
    if (jnumber(j, v, &ok)) return -1;
    if (!ok) return wf_json_fail(j, "expected a non-negative integer below 2^63");
    return 0;
}

/* Check and skip any value; depth bounds the recursion on hostile nesting. */
int wf_json_skip(wf_json *j)
{
    wf_cur_ws(&j->k);
    if (j->k.i >= j->k.n) return wf_json_fail(j, "expected a value");
    unsigned char ch = j->k.s[j->k.i];
    if (ch == '"') return wf_json_string(j, NULL);
    if (ch == '{' || ch == '[') {
        char close = ch == '{' ? '}' : ']';
        if (++j->depth > JSON_MAX_DEPTH) return wf_json_fail(j, "nested too deeply");
        j->k.i++;
        if (!wf_cur_eat(&j->k, close)) {
            do {
                if (ch == '{') {
                    if (wf_json_string(j, NULL)) return -1;
                    if (!wf_cur_eat(&j->k, ':')) return wf_json_fail(j, "expected ':'");
                }
                if (wf_json_skip(j)) return -1;
            } while (wf_cur_eat(&j->k, ','));
            if (!wf_cur_eat(&j->k, close))
                return wf_json_fail(j, ch == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
        }
        j->depth--;
        return 0;
    }
    static const char *const words[] = {"true", "false", "null"};
    for (int w = 0; w < 3; w++) {
        size_t m = strlen(words[w]);
        if (j->k.n - j->k.i >= m && memcmp(j->k.s + j->k.i, words[w], m) == 0) {
            j->k.i += m;
            return 0;
        }
    }
    uint64_t v;
    int ok;
    return jnumber(j, &v, &ok);
}
