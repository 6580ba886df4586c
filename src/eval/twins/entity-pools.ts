/**
 * Built-in names and places for `rename-entities`, in both item languages. Common, neutral given names and
 * ordinary towns, so a renamed item reads as naturally as its original and nothing about the new name hints at the
 * answer. Written for Saima.
 */
import type { Lang } from '../suite-types.js';

export const ENTITY_POOLS: Record<'name' | 'place', Record<Lang, readonly string[]>> = {
  name: {
    en: [
      'Alice', 'Ben', 'Chloe', 'Daniel', 'Emma', 'Felix', 'Grace', 'Henry', 'Isla', 'Jack', 'Kara', 'Leo', 'Maya', 'Noah',
      'Olivia', 'Peter', 'Quinn', 'Rosa', 'Sam', 'Tara', 'Umar', 'Vera', 'Will', 'Xena', 'Yusuf', 'Zoe', 'Nina', 'Omar',
      'Priya', 'Ravi', 'Sofia', 'Tom', 'Lucy', 'Mark', 'Hana', 'Ivan', 'Julia', 'Kevin', 'Lena', 'Marco',
    ],
    zh: [
      '小明', '小红', '李华', '王芳', '张伟', '刘洋', '陈静', '杨帆', '赵磊', '黄丽', '周杰', '吴敏', '徐强', '孙悦', '马超',
      '朱琳', '胡军', '郭佳', '何平', '高远', '林涛', '罗娟', '梁辰', '宋雨', '郑毅', '谢婷', '韩冰', '唐宁', '冯博', '于洁',
      '董昊', '萧然', '程浩', '曹颖', '袁方', '邓欣', '许诺', '傅晨', '沈阳阳', '彭悦',
    ],
  },
  place: {
    en: [
      'Springfield', 'Riverton', 'Oakdale', 'Brookfield', 'Lakeside', 'Maplewood', 'Fairview', 'Greenville', 'Hillcrest',
      'Westbrook', 'Ashford', 'Cedar Falls', 'Elmwood', 'Kingsport', 'Millbrook', 'Northfield', 'Pinecrest', 'Redwood',
      'Stonebridge', 'Willowdale', 'Bayview', 'Clearwater', 'Dunmore', 'Eastwick', 'Glenrock', 'Harbor City',
    ],
    zh: [
      '杭州', '苏州', '成都', '西安', '青岛', '厦门', '南京', '武汉', '长沙', '昆明', '大连', '宁波', '无锡', '合肥', '福州',
      '济南', '郑州', '南昌', '贵阳', '兰州', '桂林', '洛阳', '扬州', '绍兴', '温州', '珠海', '烟台', '泉州',
    ],
  },
};
