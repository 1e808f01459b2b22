// The structs of bpf/farm_abi.h as the BPF compiler laid them out (the BTF
// of the built object) against what the C++ compiler sees: same size, same
// field offsets, same reason numbers, same ABI version in .rodata.
// Reads the object file only; needs no privilege, so it runs everywhere.
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "farm_abi.h"

#ifndef FARM_BPF_OBJ
#error "FARM_BPF_OBJ must name the built farm_filter.bpf.o"
#endif

namespace safefarm::test {
namespace {

struct Field {
    const char* name;
    size_t offset;
};

struct StructLayout {
    const char* name;
    size_t size;
    std::vector<Field> fields;
};

#define FIELD(S, f) \
    Field { #f, offsetof(S, f) }

std::vector<StructLayout> cppLayouts() {
    return {
        {"farm_state",
         sizeof(farm_state),
         {FIELD(farm_state, active), FIELD(farm_state, abi_version), FIELD(farm_state, lease_deadline_ns),
          FIELD(farm_state, lease_cache)}},
        {"farm_vip", sizeof(farm_vip), {FIELD(farm_vip, family), FIELD(farm_vip, pad), FIELD(farm_vip, addr)}},
        {"farm_rule",
         sizeof(farm_rule),
         {FIELD(farm_rule, vip), FIELD(farm_rule, proto), FIELD(farm_rule, filter), FIELD(farm_rule, pad),
          FIELD(farm_rule, port), FIELD(farm_rule, pad2)}},
        {"farm_peer", sizeof(farm_peer), {FIELD(farm_peer, mac), FIELD(farm_peer, valid), FIELD(farm_peer, pad)}},
        {"farm_epoch",
         sizeof(farm_epoch),
         {FIELD(farm_epoch, epoch), FIELD(farm_epoch, mode), FIELD(farm_epoch, my_id), FIELD(farm_epoch, designated),
          FIELD(farm_epoch, nr_vips), FIELD(farm_epoch, nr_rules), FIELD(farm_epoch, arp_filter),
          FIELD(farm_epoch, pad), FIELD(farm_epoch, vmac), FIELD(farm_epoch, my_mac), FIELD(farm_epoch, pad2),
          FIELD(farm_epoch, hash_key), FIELD(farm_epoch, vips), FIELD(farm_epoch, rules), FIELD(farm_epoch, peers)}},
        {"farm_bucket",
         sizeof(farm_bucket),
         {FIELD(farm_bucket, owner), FIELD(farm_bucket, prev_owner), FIELD(farm_bucket, flags),
          FIELD(farm_bucket, pad)}},
        {"farm_mac_key", sizeof(farm_mac_key), {FIELD(farm_mac_key, mac), FIELD(farm_mac_key, pad)}},
        {"farm_flow_key",
         sizeof(farm_flow_key),
         {FIELD(farm_flow_key, saddr), FIELD(farm_flow_key, daddr), FIELD(farm_flow_key, sport),
          FIELD(farm_flow_key, dport), FIELD(farm_flow_key, proto), FIELD(farm_flow_key, family),
          FIELD(farm_flow_key, pad)}},
        {"farm_flow",
         sizeof(farm_flow),
         {FIELD(farm_flow, last_seen_ns), FIELD(farm_flow, bucket), FIELD(farm_flow, kind), FIELD(farm_flow, relay_to),
          FIELD(farm_flow, flags), FIELD(farm_flow, pad)}},
        {"farm_counter", sizeof(farm_counter), {FIELD(farm_counter, packets), FIELD(farm_counter, bytes)}},
    };
}

class AbiLayoutTest : public ::testing::Test {
protected:
    void SetUp() override {
        btf_ = btf__parse(FARM_BPF_OBJ, nullptr);
        ASSERT_NE(btf_, nullptr) << "no BTF in " << FARM_BPF_OBJ << ": " << std::strerror(errno);
    }
    void TearDown() override { btf__free(btf_); }

    btf* btf_ = nullptr;
};

TEST_F(AbiLayoutTest, EveryStructMatchesBtf) {
    for (const StructLayout& s : cppLayouts()) {
        SCOPED_TRACE(s.name);
        int id = btf__find_by_name_kind(btf_, s.name, BTF_KIND_STRUCT);
        ASSERT_GT(id, 0) << "struct " << s.name << " is not in the object's BTF";
        const btf_type* t = btf__type_by_id(btf_, id);
        EXPECT_EQ(static_cast<size_t>(t->size), s.size) << "sizeof(struct " << s.name << ")";
        std::map<std::string, size_t> btfFields;
        const btf_member* m = btf_members(t);
        for (unsigned i = 0; i < btf_vlen(t); i++, m++)
            btfFields[btf__name_by_offset(btf_, m->name_off)] = btf_member_bit_offset(t, i) / 8;
        EXPECT_EQ(btfFields.size(), s.fields.size())
            << "fields of struct " << s.name << " (a field this test does not know?)";
        for (const Field& f : s.fields) {
            auto it = btfFields.find(f.name);
            ASSERT_NE(it, btfFields.end()) << s.name << "." << f.name << " missing in BTF";
            EXPECT_EQ(it->second, f.offset) << "offsetof(" << s.name << ", " << f.name << ")";
        }
    }
}

TEST_F(AbiLayoutTest, ReasonNumbersMatchBtf) {
    int id = btf__find_by_name_kind(btf_, "farm_reason", BTF_KIND_ENUM);
    ASSERT_GT(id, 0) << "enum farm_reason is not in the object's BTF";
    const btf_type* t = btf__type_by_id(btf_, id);
    std::map<std::string, long long> values;
    const struct btf_enum* e = btf_enum(t);
    for (unsigned i = 0; i < btf_vlen(t); i++, e++) values[btf__name_by_offset(btf_, e->name_off)] = e->val;
#define REASON(r) \
    { #r, static_cast < long long>(r) }
    const std::map<std::string, long long> cpp = {
        REASON(FARM_R_PASS_OTHER),          REASON(FARM_R_PASS_VLAN),           REASON(FARM_R_ACCEPT_OWNER),
        REASON(FARM_R_ACCEPT_FLOW),         REASON(FARM_R_ACCEPT_NEW_FLOW),     REASON(FARM_R_ACCEPT_DESIGNATED),
        REASON(FARM_R_TX_ARP_REPLY),        REASON(FARM_R_TX_NDP_ADVERT),       REASON(FARM_R_TX_RELAY),
        REASON(FARM_R_DROP_NOT_OWNER),      REASON(FARM_R_DROP_NOT_DESIGNATED), REASON(FARM_R_DROP_LEASE),
        REASON(FARM_R_DROP_NO_EPOCH),       REASON(FARM_R_DROP_MALFORMED),      REASON(FARM_R_DROP_TRANSITION_OLD),
        REASON(FARM_R_DROP_TRANSITION_NEW), REASON(FARM_R_DROP_NOT_RESPONDER),  REASON(FARM_R_DROP_VIP_ANNOUNCE),
        REASON(FARM_R_DROP_RELAY_LOOP),     REASON(FARM_R_DROP_NO_PEER),        REASON(FARM_R_MAX),
    };
#undef REASON
    EXPECT_EQ(values, cpp);
}

TEST_F(AbiLayoutTest, RodataAbiVersionMatchesHeader) {
    bpf_object* obj = bpf_object__open_file(FARM_BPF_OBJ, nullptr);
    ASSERT_NE(obj, nullptr) << std::strerror(errno);
    bpf_map* rodata = nullptr;
    bpf_map* map;
    bpf_object__for_each_map(map, obj) {
        if (std::strstr(bpf_map__name(map), ".rodata")) rodata = map;
    }
    ASSERT_NE(rodata, nullptr) << "no .rodata in the object";
    size_t size = 0;
    const auto* data = static_cast<const uint8_t*>(bpf_map__initial_value(rodata, &size));
    ASSERT_NE(data, nullptr);
    // Find farm_abi_version's offset in the .rodata section from BTF.
    int sec = btf__find_by_name_kind(btf_, ".rodata", BTF_KIND_DATASEC);
    ASSERT_GT(sec, 0);
    const btf_type* t = btf__type_by_id(btf_, sec);
    const btf_var_secinfo* v = btf_var_secinfos(t);
    bool found = false;
    for (unsigned i = 0; i < btf_vlen(t); i++, v++) {
        const btf_type* var = btf__type_by_id(btf_, v->type);
        if (std::string(btf__name_by_offset(btf_, var->name_off)) != "farm_abi_version") continue;
        ASSERT_EQ(v->size, 4u);
        ASSERT_LE(v->offset + 4, size);
        uint32_t version;
        std::memcpy(&version, data + v->offset, 4);
        EXPECT_EQ(version, static_cast<uint32_t>(FARM_ABI_VERSION));
        found = true;
    }
    EXPECT_TRUE(found) << "farm_abi_version not in .rodata";
    bpf_object__close(obj);
}

}  // namespace
}  // namespace safefarm::test
