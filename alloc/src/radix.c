#include "radix.h"

#include "meta.h"

/* Mid and leaf nodes end with one pointer that chains them for destroy. */
static size_t mid_bytes(const pa_radix *r) { return ((size_t)sizeof(void *) << r->bits_mid) + sizeof(void *); }
static size_t leaf_bytes(const pa_radix *r) { return ((size_t)sizeof(uint32_t) << r->bits_leaf) + sizeof(void *); }
static size_t root_bytes(const pa_radix *r) { return (size_t)sizeof(void *) << r->bits_root; }

static void **node_link(void *node, size_t bytes) {
    return (void **)((char *)node + bytes - sizeof(void *));
}

int pa_radix_init(pa_heap *h) {
    pa_radix *r = &h->radix;
    unsigned shift = (unsigned)__builtin_ctzl(h->config.arena_size);
    unsigned key_bits = 64 - shift;
    r->shift = shift;
    r->bits_root = key_bits / 3;
    r->bits_mid = (key_bits - r->bits_root) / 2;
    r->bits_leaf = key_bits - r->bits_root - r->bits_mid;
    r->shift_root = shift + r->bits_mid + r->bits_leaf;
    r->shift_mid = shift + r->bits_leaf;
    r->mask_mid = ((uintptr_t)1 << r->bits_mid) - 1;
    r->mask_leaf = ((uintptr_t)1 << r->bits_leaf) - 1;
    r->root = pa_meta_map(h, root_bytes(r));
    return r->root ? 0 : -1;
}

static void *new_node(pa_heap *h, size_t bytes, void **list) {
    void *node = pa_meta_map(h, bytes);
    if (!node)
        return NULL;
    *node_link(node, bytes) = *list;
    *list = node;
    h->radix.nodes++;
    return node;
}

static void unmap_nodes(pa_heap *h, void *node, size_t bytes) {
    while (node) {
        void *next = *node_link(node, bytes);
        pa_meta_unmap(h, node, bytes);
        node = next;
    }
}

int pa_radix_set(pa_heap *h, uintptr_t base, uint32_t value) {
    pa_radix *r = &h->radix;
    uintptr_t i_root = base >> r->shift_root;
    uintptr_t i_mid = (base >> r->shift_mid) & r->mask_mid;
    uintptr_t i_leaf = (base >> r->shift) & r->mask_leaf;
    void **mid = r->root[i_root];
    if (!mid) {
        if (!value)
            return 0;
        mid = new_node(h, mid_bytes(r), &r->mid_list);
        if (!mid)
            return -1;
        r->root[i_root] = mid;
    }
    uint32_t *leaf = mid[i_mid];
    if (!leaf) {
        if (!value)
            return 0;
        leaf = new_node(h, leaf_bytes(r), &r->leaf_list);
        if (!leaf)
            return -1;
        mid[i_mid] = leaf;
    }
    leaf[i_leaf] = value;
    return 0;
}

void pa_radix_destroy(pa_heap *h) {
    pa_radix *r = &h->radix;
    unmap_nodes(h, r->mid_list, mid_bytes(r));
    unmap_nodes(h, r->leaf_list, leaf_bytes(r));
    if (r->root)
        pa_meta_unmap(h, r->root, root_bytes(r));
    r->root = NULL;
    r->mid_list = r->leaf_list = NULL;
    r->nodes = 0;
}
